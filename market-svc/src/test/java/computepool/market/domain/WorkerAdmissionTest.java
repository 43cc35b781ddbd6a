package computepool.market.domain;

import static computepool.market.domain.PipelinePlannerTest.serving;
import static computepool.market.domain.PipelinePlannerTest.worker;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class WorkerAdmissionTest {

    private static final Instant NOW = Instant.parse("2026-11-27T12:00:00Z");
    private static final Duration SILENCE = Duration.ofSeconds(15);

    @Test
    void aSecondWorkerOnTheSameNodeClaimingHeldLayersIsRefusedWithAReason() {
        RegisteredWorker incumbent = serving(worker("first", 0, 15, 30, "pod-1"));
        Optional<String> refusal = WorkerAdmission.refusal(worker("second", 10, 20, 30, "pod-1"),
                List.of(incumbent), NOW, SILENCE);
        assertEquals(Optional.of("node pod-1 of operator operator-1 already serves layers [0, 15) of "
                + "smollm2-135m-instruct-q4_1 as worker first; worker second claims [10, 20)"), refusal);
    }

    @Test
    void otherNodesAdjacentRangesAndTheWorkerItselfAreAdmitted() {
        RegisteredWorker incumbent = serving(worker("first", 0, 15, 30, "pod-1"));
        assertEquals(Optional.empty(), WorkerAdmission.refusal(worker("elsewhere", 0, 15, 30, "pod-2"),
                List.of(incumbent), NOW, SILENCE));
        assertEquals(Optional.empty(), WorkerAdmission.refusal(worker("next", 15, 30, 30, "pod-1"),
                List.of(incumbent), NOW, SILENCE));
        assertEquals(Optional.empty(), WorkerAdmission.refusal(worker("first", 0, 20, 30, "pod-1"),
                List.of(incumbent), NOW, SILENCE));
    }

    @Test
    void aSilentIncumbentHoldsNothing() {
        RegisteredWorker silent = new RegisteredWorker(worker("first", 0, 15, 30, "pod-1"), Optional.empty(),
                NOW.minus(SILENCE).minusSeconds(1), Optional.empty(), Optional.empty());
        assertEquals(Optional.empty(), WorkerAdmission.refusal(worker("second", 0, 15, 30, "pod-1"),
                List.of(silent), NOW, SILENCE));
    }

    @Test
    void aWorkerDisagreeingOnTheLayerCountIsRefused() {
        RegisteredWorker incumbent = serving(worker("first", 0, 15, 30, "pod-1"));
        Optional<String> refusal = WorkerAdmission.refusal(worker("odd", 0, 16, 32, "pod-9"), List.of(incumbent),
                NOW, SILENCE);
        assertTrue(refusal.orElseThrow().contains("has 30 layers according to worker first"), refusal.toString());
    }
}
