package computepool.localstack;

import java.nio.file.Path;

/** A component that could not be installed, crashed, or was not ready in time; carries the tail of its log. */
public final class ComponentFailure extends RuntimeException {

    private final String component;
    private final String logTail;

    public ComponentFailure(String component, String problem, Path log) {
        this(component, problem, log, null);
    }

    public ComponentFailure(String component, String problem, Path log, Throwable cause) {
        this(component, problem, log, log == null ? "" : LogTail.of(log), cause);
    }

    private ComponentFailure(String component, String problem, Path log, String logTail, Throwable cause) {
        super(component + ": " + problem + (log == null ? "" : System.lineSeparator() + "--- last lines of " + log
                + " ---" + System.lineSeparator() + logTail), cause);
        this.component = component;
        this.logTail = logTail;
    }

    public String component() {
        return component;
    }

    public String logTail() {
        return logTail;
    }
}
