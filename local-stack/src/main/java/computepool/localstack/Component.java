package computepool.localstack;

import java.nio.file.Path;

/** One real component of the stack: installs itself when needed, starts, and returns once it serves. */
public interface Component {

    String name();

    /**
     * Starts the component with its data under {@code home} and its log under {@code logs}.
     *
     * @throws ComponentFailure when it cannot be installed, exits early or is not ready in time
     */
    RunningComponent start(StackHome home, Path logs) throws InterruptedException;
}
