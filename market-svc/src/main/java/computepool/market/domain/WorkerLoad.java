package computepool.market.domain;

/** How busy a worker said it was in its latest heartbeat. */
public record WorkerLoad(int activeSessions, int tokensInFlight) {

    public static final WorkerLoad IDLE = new WorkerLoad(0, 0);
}
