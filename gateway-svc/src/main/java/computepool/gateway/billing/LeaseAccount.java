package computepool.gateway.billing;

import computepool.gateway.auth.Caller;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * One developer's funds lease at this gateway, as the gateway counts it: what billing granted it, less what requests
 * took out of it. Requests are admitted against it in memory. Billing stays the
 * authority: each request's hold is moved out of the lease there, and a lease that has less than the gateway thought
 * leaves the hold to the developer's other funds, so a miscount here can never hold the same funds twice.
 * Thread-safe: each method is a few field updates under the account's monitor.
 */
final class LeaseAccount {

    private final Caller payer;
    private UUID id;
    private long unallocated;
    /** Taken by requests whose hold billing has not placed yet: billing's lease still holds these. */
    private long taking;
    private Instant expiresAt = Instant.MIN;
    private Instant lastUsed;
    private boolean retired;

    LeaseAccount(Caller payer, Instant now) {
        this.payer = payer;
        this.lastUsed = now;
    }

    /** Whose funds the lease holds. */
    Caller owner() {
        return payer;
    }

    /**
     * Takes {@code amount} for a request, if the lease has it and lasts at least {@code minLeft} more; the lease's id
     * then, for the request's hold.
     */
    synchronized Optional<UUID> take(long amount, Instant now, Duration minLeft) {
        lastUsed = now;
        if (id == null || retired || unallocated < amount || expiresAt.isBefore(now.plus(minLeft))) {
            return Optional.empty();
        }
        unallocated -= amount;
        taking += amount;
        return Optional.of(id);
    }

    /**
     * Billing answered for a hold taken out of lease {@code from}: whether it moved the amount out of the lease (not
     * when the lease was short or ended, nor when the hold could not be placed).
     */
    synchronized void placed(UUID from, long amount, boolean outOfLease) {
        if (!from.equals(id)) {
            return;
        }
        taking -= amount;
        if (!outOfLease) {
            // Billing's lease had less than counted here (ended, or a price rose): count nothing until billing says
            // again, so the next request grows the lease, or opens another, before it is admitted.
            unallocated = 0;
        }
    }

    /**
     * Billing's answer to growing the lease: what this growth added to it, and until when it lasts. Only the growth
     * is added: billing's total may already lack holds placed out of it since it answered, which this account has
     * counted as taken already.
     */
    synchronized void granted(UUID leaseId, long grantedNow, Instant until) {
        if (!leaseId.equals(id)) {
            id = leaseId;
            unallocated = 0;
            taking = 0;
        }
        unallocated += grantedNow;
        expiresAt = until;
    }

    /** Billing says the lease ended (released or expired): the next growth opens a new one. */
    synchronized void ended(UUID leaseId) {
        if (leaseId.equals(id)) {
            id = null;
            unallocated = 0;
            taking = 0;
            expiresAt = Instant.MIN;
        }
    }

    /** The id to grow: this lease's, or a new one the next grant opens. */
    synchronized UUID idToGrow() {
        return id != null ? id : UUID.randomUUID();
    }

    synchronized long unallocated() {
        return unallocated;
    }

    /** Whether the lease should grow in the background: fewer than {@code lowWater} left, or half its life gone. */
    synchronized boolean wantsGrowth(long lowWater, Instant now, Duration renewBefore) {
        return !retired && (unallocated < lowWater || expiresAt.isBefore(now.plus(renewBefore)));
    }

    /**
     * Retires the account if no request used it for {@code idle} and none is still being placed: the lease to
     * release, if it has one. A retired account admits nothing; the next request of the developer opens another.
     */
    synchronized Optional<UUID> retireIfIdle(Instant now, Duration idle) {
        if (retired || taking > 0 || lastUsed.plus(idle).isAfter(now)) {
            return Optional.empty();
        }
        retired = true;
        return Optional.ofNullable(id);
    }

    synchronized boolean retired() {
        return retired;
    }
}
