package computepool.payment.pay;

import java.time.Duration;
import java.time.Instant;

/** Settlement epochs: numbered from the Unix epoch in steps of the configured length. */
public final class Epochs {

    private Epochs() {
    }

    public static long of(Instant instant, Duration length) {
        return Math.floorDiv(instant.toEpochMilli(), length.toMillis());
    }

    public static Instant end(long epoch, Duration length) {
        return Instant.ofEpochMilli(Math.multiplyExact(epoch + 1, length.toMillis()));
    }

    public static Instant start(long epoch, Duration length) {
        return Instant.ofEpochMilli(Math.multiplyExact(epoch, length.toMillis()));
    }
}
