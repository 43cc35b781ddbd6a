package computepool.market.domain;

/** A worker event that makes no sense (a blank id, an empty or impossible layer range); the message says why. */
public class WorkerEventRejected extends RuntimeException {

    public WorkerEventRejected(String reason) {
        super(reason);
    }
}
