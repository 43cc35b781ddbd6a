package computepool.payment.chain;

import java.time.Duration;
import org.jboss.logging.Logger;

/**
 * Runs a pass again and again on a thread of its own, pausing between passes. A pass that fails is logged (the first
 * of a run of failures as a warning, the rest only once a pass completes again) and the next one starts from the
 * records, which is also what happens after a crash.
 */
public final class PassLoop {

    /** One pass; any exception ends it early. */
    @FunctionalInterface
    public interface Pass {
        void run() throws Exception;
    }

    private final String name;
    private final Duration pause;
    private final Pass pass;
    private final Logger log;
    private volatile boolean running;
    private Thread thread;
    private int failedPasses;

    public PassLoop(String name, Duration pause, Pass pass, Logger log) {
        this.name = name;
        this.pause = pause;
        this.pass = pass;
        this.log = log;
    }

    public synchronized void start() {
        running = true;
        thread = Thread.ofPlatform().name(name).daemon().start(this::loop);
    }

    public synchronized void stop() throws InterruptedException {
        running = false;
        if (thread != null) {
            thread.interrupt();
            thread.join(5_000);
        }
    }

    private void loop() {
        while (running) {
            try {
                pass.run();
                if (failedPasses > 0) {
                    log.infof("%s: passes complete again after %d that ended early", name, failedPasses);
                    failedPasses = 0;
                }
            } catch (Exception e) {
                if (!running) {
                    return;
                }
                if (failedPasses++ == 0) {
                    log.warnf("%s: pass ended early, resuming from the records: %s", name, e.toString());
                } else {
                    log.debugf("%s: pass ended early again: %s", name, e.toString());
                }
            }
            try {
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                return;
            }
        }
    }
}
