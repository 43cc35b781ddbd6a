package computepool.market.api;

import computepool.market.domain.GpuModel;
import computepool.market.domain.Interconnect;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.util.List;

/** A node an operator registers: where it is, how it is connected, its power budget and its GPUs. */
public record RegisterNodeRequest(
        @NotBlank(message = "must not be blank")
        @Size(max = 100, message = "must be at most 100 characters")
        String name,
        @NotNull(message = "is required")
        @Pattern(regexp = ZONE, message = "must be 1 to 63 lowercase letters, digits or inner hyphens")
        String zone,
        @NotNull(message = "is required")
        @Pattern(regexp = Interconnect.NAMES, message = Interconnect.MUST_BE_KNOWN)
        String interconnect,
        @NotNull(message = "is required")
        @Min(value = 1, message = "must be at least 1 W")
        @Max(value = 1_000_000, message = "must be at most 1,000,000 W")
        Integer powerBudgetWatts,
        @NotNull(message = "is required")
        @Size(min = 1, max = 64, message = "must list 1 to 64 GPU entries")
        List<@Valid GpuRequest> gpus) {

    static final String ZONE = "^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$";

    /** One group of identical cards in the node. */
    public record GpuRequest(
            @NotNull(message = "is required")
            @Pattern(regexp = GpuModel.NAMES, message = GpuModel.MUST_BE_KNOWN)
            String model,
            @NotNull(message = "is required")
            @Min(value = 1, message = "must be at least 1")
            @Max(value = 1024, message = "must be at most 1024")
            Integer memoryGib,
            @NotNull(message = "is required")
            @Min(value = 1, message = "must be at least 1")
            @Max(value = 64, message = "must be at most 64")
            Integer count,
            @NotNull(message = "is required")
            @Min(value = 1, message = "must be at least 1 W")
            @Max(value = 2000, message = "must be at most 2,000 W")
            Integer powerLimitWatts) {
    }
}
