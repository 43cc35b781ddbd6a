package computepool.market.domain;

import java.util.Arrays;
import java.util.Optional;

/** The GPU models the market knows how to price and place work on. */
public enum GpuModel {
    RTX_3090,
    RTX_4090,
    L40S,
    A100_80GB,
    H100_80GB,
    H200;

    /** Every name, as a regular expression for Bean Validation at the REST edge. */
    public static final String NAMES = "RTX_3090|RTX_4090|L40S|A100_80GB|H100_80GB|H200";
    public static final String MUST_BE_KNOWN = "must be one of RTX_3090, RTX_4090, L40S, A100_80GB, H100_80GB, H200";

    public static Optional<GpuModel> named(String name) {
        return Arrays.stream(values()).filter(model -> model.name().equals(name)).findFirst();
    }
}
