package computepool.identity.api;

import computepool.identity.domain.Handle;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

/** The fields of a profile a developer may change; an absent field is left as it is. */
public record UpdateProfileRequest(
        @Size(min = 1, max = 100, message = "must be 1 to 100 characters")
        @Pattern(regexp = ".*\\S.*", message = "must not be blank")
        String displayName,
        @Pattern(regexp = Handle.PATTERN, message = "must be 3 to 39 lowercase letters, digits or inner hyphens")
        String handle) {

    @AssertTrue(message = "name at least one of displayName and handle")
    public boolean isChangingSomething() {
        return displayName != null || handle != null;
    }
}
