package computepool.gateway.billing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import computepool.gateway.auth.Caller;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Random streams of a gateway admitting requests out of its lease while billing, the reference here, places their
 * holds out of the lease and grows it, each answer reaching the gateway late and interleaved with the others (holds'
 * answers in order, one growth at a time, as {@link FundsLeases} calls billing). Every request the gateway admits out
 * of the lease must find it in billing's lease when its hold is placed: no hold ever falls back for lack of a lease
 * the gateway counted as there, and the gateway never counts less than zero. Once every answer is in, the gateway counts
 * exactly what billing's lease holds.
 *
 * <p>Each stream comes from its own seed, so a failure names it; {@code -Dlease.seed=N} replays that stream alone.
 */
class LeaseAccountPropertiesTest {

    private static final int STREAMS = 2000;
    private static final int STEPS = 80;
    private static final Instant NOW = Instant.parse("2026-12-01T00:00:00Z");
    private static final Instant UNTIL = NOW.plusSeconds(120);
    private static final Caller DEVELOPER = Caller.byToken("subject", new Caller.Limits(60, 100_000));

    /** Billing's side of one lease: what it holds, and the answers on their way to the gateway. */
    private static final class BillingLease {
        final UUID id = UUID.randomUUID();
        long amount;
        /** Admitted by the gateway, hold not yet placed by billing. */
        final Deque<Long> toPlace = new ArrayDeque<>();
        /** Placed by billing, answer not yet read by the gateway: amount, and whether out of the lease. */
        final Deque<long[]> placedAnswers = new ArrayDeque<>();
        /** The growth billing answered, not yet read by the gateway: what it added. */
        Long grownAnswer;
        boolean growthAsked;
        long fellBack;
    }

    @Test
    void admissionsOutOfTheLeaseAlwaysFindItInBilling() {
        int admitted = 0;
        int refusedInMemory = 0;
        int everythingCounted = 0;
        String only = System.getProperty("lease.seed");
        for (long seed = only != null ? Long.parseLong(only) : 1; seed <= (only != null ? Long.parseLong(only)
                : STREAMS); seed++) {
            Random random = new Random(seed);
            BillingLease billing = new BillingLease();
            LeaseAccount gateway = new LeaseAccount(DEVELOPER, NOW);
            StringBuilder steps = new StringBuilder();
            for (int step = 0; step < STEPS; step++) {
                switch (random.nextInt(6)) {
                    case 0, 1 -> {
                        long amount = 1 + random.nextInt(100);
                        Optional<UUID> lease = gateway.take(amount, NOW, Duration.ofSeconds(10));
                        steps.append(" take(").append(amount).append(")=").append(lease.isPresent());
                        if (lease.isPresent()) {
                            assertEquals(billing.id, lease.get(), "seed " + seed);
                            billing.toPlace.add(amount);
                            admitted++;
                        } else {
                            refusedInMemory++;
                        }
                    }
                    case 2 -> {
                        Long amount = billing.toPlace.poll();
                        if (amount != null) {
                            boolean outOfLease = billing.amount >= amount;
                            if (outOfLease) {
                                billing.amount -= amount;
                            } else {
                                billing.fellBack++;
                            }
                            billing.placedAnswers.add(new long[] {amount, outOfLease ? 1 : 0});
                            steps.append(" place(").append(amount).append(")");
                        }
                    }
                    case 3 -> {
                        long[] answer = billing.placedAnswers.poll();
                        if (answer != null) {
                            gateway.placed(billing.id, answer[0], answer[1] == 1);
                            steps.append(" placedAnswer(").append(answer[0]).append(")");
                        }
                    }
                    case 4 -> {
                        if (!billing.growthAsked) {
                            long granted = random.nextInt(300);
                            billing.amount += granted;
                            billing.grownAnswer = granted;
                            billing.growthAsked = true;
                            steps.append(" grow(").append(granted).append(")");
                        }
                    }
                    default -> {
                        if (billing.grownAnswer != null) {
                            gateway.granted(billing.id, billing.grownAnswer, UNTIL);
                            steps.append(" grownAnswer(").append(billing.grownAnswer).append(")");
                            billing.grownAnswer = null;
                            billing.growthAsked = false;
                        }
                    }
                }
                long stillToPlace = billing.toPlace.stream().mapToLong(Long::longValue).sum();
                assertTrue(gateway.unallocated() >= 0, "seed " + seed + ":" + steps);
                assertTrue(gateway.unallocated() + stillToPlace <= billing.amount,
                        "the gateway counts more than billing's lease holds; seed " + seed + ":" + steps);
                assertEquals(0, billing.fellBack, "an admitted request's hold fell back; seed " + seed + ":" + steps);
            }
            // Every answer in, then one more growth: the gateway counts what billing holds.
            while (!billing.toPlace.isEmpty()) {
                long amount = billing.toPlace.poll();
                billing.amount -= amount;
                billing.placedAnswers.add(new long[] {amount, 1});
            }
            billing.placedAnswers.forEach(answer -> gateway.placed(billing.id, answer[0], true));
            if (billing.grownAnswer != null) {
                gateway.granted(billing.id, billing.grownAnswer, UNTIL);
            }
            if (billing.amount > 0) {
                assertEquals(billing.amount, gateway.unallocated(), "seed " + seed + ":" + steps);
                everythingCounted++;
            }
        }
        if (only == null) {
            assertTrue(admitted > STREAMS * 5, "streams admit requests: " + admitted);
            assertTrue(refusedInMemory > STREAMS, "streams run their leases short: " + refusedInMemory);
            assertTrue(everythingCounted > STREAMS / 2, "streams end with funds leased: " + everythingCounted);
        }
    }

    @Test
    void anIdleAccountIsRetiredOnlyWithNoHoldBeingPlacedAndThenAdmitsNothing() {
        LeaseAccount account = new LeaseAccount(DEVELOPER, NOW);
        UUID lease = account.idToGrow();
        account.granted(lease, 100, UNTIL);
        assertEquals(Optional.of(lease), account.take(40, NOW, Duration.ofSeconds(10)));
        assertEquals(Optional.empty(), account.retireIfIdle(NOW.plusSeconds(60), Duration.ofSeconds(30)),
                "a hold is still being placed out of it");
        account.placed(lease, 40, true);
        assertEquals(Optional.empty(), account.retireIfIdle(NOW.plusSeconds(20), Duration.ofSeconds(30)));
        assertEquals(Optional.of(lease), account.retireIfIdle(NOW.plusSeconds(60), Duration.ofSeconds(30)));
        assertEquals(Optional.empty(), account.take(1, NOW.plusSeconds(61), Duration.ofSeconds(10)));
    }

    @Test
    void aLeaseAboutToLapseOrEndedAdmitsNothingAndTheNextGrowthOpensAnother() {
        LeaseAccount account = new LeaseAccount(DEVELOPER, NOW);
        UUID lease = account.idToGrow();
        account.granted(lease, 100, NOW.plusSeconds(15));
        assertEquals(Optional.empty(), account.take(10, NOW.plusSeconds(6), Duration.ofSeconds(10)),
                "less than ten seconds left");
        assertEquals(Optional.of(lease), account.take(10, NOW, Duration.ofSeconds(10)));
        account.ended(lease);
        assertEquals(0, account.unallocated());
        assertTrue(!account.idToGrow().equals(lease), "an ended lease is never grown again");
        // A late answer for the ended lease changes nothing.
        account.placed(lease, 10, false);
        assertEquals(0, account.unallocated());
    }
}
