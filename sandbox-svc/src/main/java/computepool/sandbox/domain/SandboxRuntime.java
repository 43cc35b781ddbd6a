package computepool.sandbox.domain;

import java.util.Arrays;
import java.util.Optional;

/** The language runtimes a sandbox can start with. */
public enum SandboxRuntime {
    PYTHON_3_12("python3.12"),
    NODE_20("node20"),
    BASH("bash");

    /** Every wire name, as a regular expression for Bean Validation at the REST edge. */
    public static final String NAMES = "python3\\.12|node20|bash";
    public static final String MUST_BE_KNOWN = "must be one of python3.12, node20, bash";

    private final String wireName;

    SandboxRuntime(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public static Optional<SandboxRuntime> named(String wireName) {
        return Arrays.stream(values()).filter(r -> r.wireName.equals(wireName)).findFirst();
    }
}
