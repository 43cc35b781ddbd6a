package computepool.sandbox.domain;

/** A sandbox was asked to move to a state its current state does not lead to. */
public class IllegalTransition extends RuntimeException {

    private final SandboxState from;
    private final SandboxState to;

    public IllegalTransition(SandboxState from, SandboxState to) {
        super("a " + from + " sandbox cannot become " + to);
        this.from = from;
        this.to = to;
    }

    public SandboxState from() {
        return from;
    }

    public SandboxState to() {
        return to;
    }
}
