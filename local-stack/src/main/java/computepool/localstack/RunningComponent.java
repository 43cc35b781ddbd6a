package computepool.localstack;

import java.time.Duration;
import java.util.Map;

/** A component that answered its readiness check, with the env entries that tell clients how to reach it. */
public record RunningComponent(String name, ChildProcess process, String address, String stopSignal,
        Map<String, String> env, Duration startTime) {

    public StackState.Entry stateEntry() {
        return new StackState.Entry(name, process.tree(), address, stopSignal);
    }
}
