package computepool.shard.announce;

/**
 * Whether the worker's announcement still has to be sent: until the broker has taken it, and never while an earlier
 * send waits for the broker's answer (the producer retries that one itself).
 */
final class AnnouncementDelivery {

    private boolean taken;
    private boolean sending;

    /** True when a send should start now; the caller then reports its outcome to {@link #finished}. */
    synchronized boolean startSend() {
        if (taken || sending) {
            return false;
        }
        sending = true;
        return true;
    }

    synchronized void finished(boolean accepted) {
        sending = false;
        taken |= accepted;
    }

    synchronized boolean taken() {
        return taken;
    }
}
