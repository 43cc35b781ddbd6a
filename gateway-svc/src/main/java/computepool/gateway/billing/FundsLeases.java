package computepool.gateway.billing;

import computepool.billing.v1.HoldService;
import computepool.billing.v1.InsufficientFunds;
import computepool.billing.v1.LeaseFundsRequest;
import computepool.billing.v1.LeaseFundsResponse;
import computepool.billing.v1.ReleaseLeaseRequest;
import computepool.gateway.auth.Caller;
import computepool.gateway.config.GatewayConfig;
import io.grpc.Status;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * The funds this gateway leases from each developer's wallets at billing-svc, so that admitting a request is a
 * subtraction in memory rather than a transaction on the developer's wallets (which the developer's settlements and
 * usage batches hold locked for as long as they take). A developer's first request, and one that finds the lease
 * short, waits for billing to grow it; a lease running low, or past half its life, is grown in the background; one
 * no request used for a while is released. Whatever this gateway counts, billing moves each request's hold out of the
 * lease itself and never lets a lease hold more than the developer can spend.
 */
@ApplicationScoped
public class FundsLeases {

    private static final Logger LOG = Logger.getLogger(FundsLeases.class);
    private static final Duration ANSWER_WITHIN = Duration.ofSeconds(5);
    /** A request's hold is placed within moments of its admission: a lease about to lapse admits nothing more. */
    private static final Duration MIN_LEFT = Duration.ofSeconds(10);
    /** A lease grows in the background once it covers fewer than this share of {@code requests}. */
    private static final int LOW_WATER_DIVISOR = 4;

    /** Billing refused to grow the lease enough for the request. */
    public static final class Refused extends RuntimeException {

        private final transient InsufficientFunds funds;

        Refused(InsufficientFunds funds) {
            super("insufficient funds", null, false, false);
            this.funds = funds;
        }

        public InsufficientFunds funds() {
            return funds;
        }
    }

    private final HoldService billing;
    private final GatewayConfig.FundsLeases config;
    private final Clock clock;
    private final Vertx vertx;
    private final Map<String, LeaseAccount> accounts = new ConcurrentHashMap<>();
    /** Growths in flight, one per account: concurrent requests that find a lease short wait for the same one. */
    private final Map<LeaseAccount, Uni<Void>> growing = new ConcurrentHashMap<>();
    private long idleTimer = -1;

    @Inject
    public FundsLeases(@GrpcClient("billing") HoldService billing, GatewayConfig config, Clock clock, Vertx vertx) {
        this(billing, config.fundsLeases(), clock, vertx);
    }

    FundsLeases(HoldService billing, GatewayConfig.FundsLeases config, Clock clock, Vertx vertx) {
        this.billing = billing;
        this.config = config;
        this.clock = clock;
        this.vertx = vertx;
    }

    void start(@Observes StartupEvent started) {
        long every = Math.max(1_000, Math.min(config.idle().toMillis() / 2, 10_000));
        idleTimer = vertx.setPeriodic(every, ignored -> releaseIdle());
    }

    void stop(@Observes ShutdownEvent stopping) {
        vertx.cancelTimer(idleTimer);
        // Released at once, so a restarted gateway does not keep the developers' funds until the leases lapse.
        List<Uni<Void>> releases = new ArrayList<>();
        accounts.forEach((key, account) -> account.retireIfIdle(Instant.MAX, Duration.ZERO)
                .ifPresent(lease -> releases.add(release(key, account, lease))));
        if (!releases.isEmpty()) {
            Uni.join().all(releases).andCollectFailures().replaceWithVoid()
                    .onFailure().recoverWithNull()
                    .await().atMost(ANSWER_WITHIN);
        }
    }

    /**
     * Takes the request's most cost out of the caller's lease, growing the lease first if it is short: the lease the
     * request's hold is then placed out of. Fails with {@link Refused} when the developer cannot spend that much.
     */
    public Uni<Taken> take(Caller caller, long amount) {
        LeaseAccount account = account(caller);
        Optional<UUID> lease = account.take(amount, clock.instant(), MIN_LEFT);
        if (lease.isPresent()) {
            growInBackground(caller, account, amount);
            return Uni.createFrom().item(new Taken(account, lease.get(), amount));
        }
        return grown(caller, account, amount).chain(() -> {
            Optional<UUID> retaken = account.take(amount, clock.instant(), MIN_LEFT);
            // Others may have taken what the growth added; the next growth must then add this request's amount.
            return retaken.isPresent() ? Uni.createFrom().item(new Taken(account, retaken.get(), amount))
                    : grown(caller, account, amount).map(ignored -> new Taken(account,
                            account.take(amount, clock.instant(), MIN_LEFT).orElseThrow(() -> new Refused(
                                    InsufficientFunds.newBuilder().setRequiredNanoUsd(amount)
                                            .setAvailableNanoUsd(account.unallocated()).build())), amount));
        });
    }

    /** A request's amount taken out of a lease, until billing answers for the request's hold. */
    public record Taken(LeaseAccount account, UUID leaseId, long amountNanoUsd) {

        /** Billing placed the request's hold, out of this lease or not, or gave up placing it. */
        public void placed(boolean outOfLease) {
            account.placed(leaseId, amountNanoUsd, outOfLease);
        }
    }

    /** What the caller can spend at this gateway besides billing's answer: the lease's part no request has taken. */
    public long unallocated(Caller caller) {
        LeaseAccount account = accounts.get(caller.accountKey());
        return account == null ? 0 : account.unallocated();
    }

    private LeaseAccount account(Caller caller) {
        return accounts.compute(caller.accountKey(), (key, account) -> account == null || account.retired()
                ? new LeaseAccount(caller, clock.instant()) : account);
    }

    private void growInBackground(Caller caller, LeaseAccount account, long amount) {
        long target = Math.multiplyExact(amount, (long) config.requests());
        if (account.wantsGrowth(target / LOW_WATER_DIVISOR, clock.instant(), config.duration().dividedBy(2))
                && !growing.containsKey(account)) {
            grow(caller, account, 0, target).subscribe().with(
                    ignored -> { },
                    failure -> LOG.debugf("Background growth of a lease failed: %s", failure.getMessage()));
        }
    }

    /** Grows the lease so it covers at least the request's amount; one growth at a time per account. */
    private Uni<Void> grown(Caller caller, LeaseAccount account, long amount) {
        long atLeast = Math.max(0, amount - account.unallocated());
        long wanted = Math.max(atLeast, Math.multiplyExact(amount, (long) config.requests()) - account.unallocated());
        return grow(caller, account, atLeast, wanted);
    }

    private Uni<Void> grow(Caller caller, LeaseAccount account, long atLeast, long wanted) {
        Uni<Void> inFlight = growing.get(account);
        if (inFlight != null) {
            // Another request's growth is under way: wait for it, then look again.
            return inFlight.onFailure().recoverWithNull();
        }
        UUID leaseId = account.idToGrow();
        LeaseFundsRequest.Builder request = LeaseFundsRequest.newBuilder()
                .setLeaseId(leaseId.toString())
                .setAtLeastNanoUsd(atLeast)
                .setWantedNanoUsd(wanted)
                .setLeaseSeconds(config.duration().toSeconds());
        caller.payer(request::setDeveloperId, request::setKeycloakSubject);
        Uni<Void> growth = billing.leaseFunds(request.build())
                .ifNoItem().after(ANSWER_WITHIN).fail()
                .map(answer -> granted(account, leaseId, answer))
                // Released or lapsed meanwhile: the next growth opens a new lease.
                .onFailure(failure -> Status.fromThrowable(failure).getCode() == Status.Code.FAILED_PRECONDITION)
                .recoverWithItem(ended -> {
                    account.ended(leaseId);
                    return null;
                })
                // A statement, not an expression: eventually(Supplier<Uni>) would wait for the removed Uni, itself.
                .eventually(() -> {
                    growing.remove(account);
                })
                .memoize().indefinitely();
        Uni<Void> raced = growing.putIfAbsent(account, growth);
        return raced != null ? raced.onFailure().recoverWithNull() : growth;
    }

    private static Void granted(LeaseAccount account, UUID leaseId, LeaseFundsResponse answer) {
        if (answer.hasInsufficientFunds()) {
            throw new Refused(answer.getInsufficientFunds());
        }
        account.granted(leaseId, answer.getLease().getGrantedNanoUsd(),
                Instant.ofEpochSecond(answer.getLease().getExpiresAt().getSeconds(),
                        answer.getLease().getExpiresAt().getNanos()));
        return null;
    }

    private void releaseIdle() {
        Instant now = clock.instant();
        accounts.forEach((key, account) -> account.retireIfIdle(now, config.idle()).ifPresentOrElse(
                lease -> release(key, account, lease).subscribe().with(ignored -> { }, failure -> { }),
                () -> {
                    if (account.retired()) {
                        accounts.remove(key, account);
                    }
                }));
    }


    /** Releases a retired account's lease; a new account of the same developer is left alone. */
    private Uni<Void> release(String key, LeaseAccount account, UUID lease) {
        accounts.remove(key, account);
        ReleaseLeaseRequest.Builder request = ReleaseLeaseRequest.newBuilder().setLeaseId(lease.toString());
        account.owner().payer(request::setDeveloperId, request::setKeycloakSubject);
        return billing.releaseLease(request.build())
                .ifNoItem().after(ANSWER_WITHIN).fail()
                .invoke(released -> LOG.debugf("Released lease %s of %s: %d nano-USD free again", lease, key,
                        released.getFreedNanoUsd()))
                .onFailure().invoke(failure -> LOG.infof("Lease %s of %s was not released (%s); it lapses at its "
                        + "expiry", lease, key, failure.getMessage()))
                .replaceWithVoid();
    }
}
