package computepool.events;

import io.vertx.core.Context;
import io.vertx.core.Vertx;

import java.util.concurrent.Executor;

/**
 * Brings continuations back to the Vert.x context they started on: a Hibernate Reactive session may only be used
 * there, while Kafka callbacks and Mutiny delays complete on other threads.
 */
final class CallerContext {

    private CallerContext() {
    }

    static Executor current() {
        Context context = Vertx.currentContext();
        if (context == null) {
            throw new IllegalStateException("must run on a Vert.x context (a reactive endpoint, an @Incoming method "
                    + "or a @Scheduled method returning Uni)");
        }
        return task -> context.runOnContext(ignored -> task.run());
    }
}
