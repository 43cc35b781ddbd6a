package computepool.billing.domain;

import java.util.Set;

/** What usage is measured in, and so what subsidised credit may be limited to. */
public final class Meter {

    /** Prompt and completion tokens of inference through the gateway. */
    public static final String INFERENCE_TOKENS = "inference.tokens";
    /** Seconds a sandbox ran. */
    public static final String SANDBOX_SECONDS = "sandbox.seconds";
    /** GPU-seconds of reserved or spot capacity bought on the market. */
    public static final String RESERVATION_GPU_SECONDS = "reservation.gpu_seconds";

    public static final Set<String> ALL = Set.of(INFERENCE_TOKENS, SANDBOX_SECONDS, RESERVATION_GPU_SECONDS);

    private Meter() {
    }
}
