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
        super(component + ": " + problem + describe(log), cause);
        this.component = component;
        this.logTail = log == null ? "" : LogTail.of(log);
    }

    private static String describe(Path log) {
        if (log == null) {
            return "";
        }
        return System.lineSeparator() + "--- last lines of " + log + " ---" + System.lineSeparator() + LogTail.of(log);
    }

    public String component() {
        return component;
    }

    public String logTail() {
        return logTail;
    }
}
