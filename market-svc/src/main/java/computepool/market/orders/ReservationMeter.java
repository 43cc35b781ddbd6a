package computepool.market.orders;

import com.google.protobuf.Timestamp;
import computepool.events.Outbox;
import computepool.events.Topics;
import computepool.market.config.RegistryConfig;
import computepool.usage.v1.ReservationShare;
import computepool.usage.v1.ReservationUsage;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Meters the GPU time reservations hold, to the second, and publishes it as {@link ReservationUsage} on the usage
 * topic, where billing charges the buyer and credits the sellers. Each reservation is metered from its first hour's
 * start to the hour it stops holding its GPUs, in periods of at least {@code computepool.market.usage-period} (the
 * last one may be shorter); a period's end is recorded in the transaction that appends its event, so no second is
 * published twice or left out, however often the meter runs or fails.
 */
@ApplicationScoped
public class ReservationMeter {

    private static final Logger LOG = Logger.getLogger(ReservationMeter.class);
    private static final BigInteger SECONDS_PER_HOUR = BigInteger.valueOf(OrderBook.SECONDS_PER_HOUR);

    /** A reservation with GPU time not yet metered. */
    record Unmetered(UUID id, UUID buyOrderId, String buyerId, String gpuModel, int gpuCount, long startSecond,
            long heldUntilSecond, boolean spot, long meteredUntilSecond) {
    }

    /** A fill of a reservation: who is paid for its GPUs, at what price. */
    record Share(String sellerId, boolean resale, String operatorId, UUID nodeId, int gpuCount, long priceNanoUsd) {
    }

    private final OrderStore store;
    private final RegistryConfig config;
    private final Clock clock;

    public ReservationMeter(OrderStore store, RegistryConfig config, Clock clock) {
        this.store = store;
        this.config = config;
        this.clock = clock;
    }

    @Scheduled(every = "${computepool.market.book-tick}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void tick() {
        try {
            meterUntil(clock.instant());
        } catch (RuntimeException e) {
            LOG.warnf(e, "Metering reservations failed; the next tick meters the same seconds");
        }
    }

    /**
     * Publishes the GPU time every reservation held before {@code now} and has not published yet.
     *
     * @return how many periods were published
     */
    public int meterUntil(Instant now) {
        long nowSecond = now.getEpochSecond();
        List<Unmetered> due = store.unmeteredBefore(nowSecond);
        if (due.isEmpty()) {
            return 0;
        }
        Map<UUID, List<Share>> shares = store.sharesOf(due.stream().map(Unmetered::buyOrderId).toList());
        long minimum = config.usagePeriod().toSeconds();
        int published = 0;
        for (Unmetered reservation : due) {
            long periodEnd = Math.min(nowSecond, reservation.heldUntilSecond());
            long length = periodEnd - reservation.meteredUntilSecond();
            if (length <= 0 || length < minimum && periodEnd < reservation.heldUntilSecond()) {
                continue;
            }
            ReservationUsage usage = usage(reservation, shares.get(reservation.buyOrderId()), periodEnd);
            if (store.recordMetered(reservation.id(), reservation.meteredUntilSecond(), periodEnd,
                    new Outbox.Entry(Topics.USAGE, reservation.buyerId(), usage))) {
                published++;
            }
        }
        LOG.debugf("Published %d periods of reservations' GPU time up to %s", published, now);
        return published;
    }

    static ReservationUsage usage(Unmetered reservation, List<Share> shares, long periodEnd) {
        long periodStart = reservation.meteredUntilSecond();
        ReservationUsage.Builder usage = ReservationUsage.newBuilder()
                .setUsageId(reservation.id() + "/" + periodStart)
                .setReservationId(reservation.id().toString())
                .setBuyOrderId(reservation.buyOrderId().toString())
                .setBuyerKeycloakSubject(reservation.buyerId())
                .setGpuModel(reservation.gpuModel())
                .setPeriodStart(Timestamp.newBuilder().setSeconds(periodStart))
                .setPeriodEnd(Timestamp.newBuilder().setSeconds(periodEnd))
                .setGpuSeconds(Math.multiplyExact((long) reservation.gpuCount(), periodEnd - periodStart))
                .setSpot(reservation.spot());
        long cost = 0;
        for (Share share : shares) {
            long shareCost = costSinceStart(share, periodEnd - reservation.startSecond())
                    - costSinceStart(share, periodStart - reservation.startSecond());
            cost = Math.addExact(cost, shareCost);
            usage.addShares(ReservationShare.newBuilder()
                    .setSellerId(share.sellerId())
                    .setSellerKind(share.resale() ? ReservationShare.SellerKind.RESELLER
                            : ReservationShare.SellerKind.OPERATOR)
                    .setOperatorId(share.operatorId())
                    .setNodeId(share.nodeId().toString())
                    .setGpuCount(share.gpuCount())
                    .setPriceNanoUsdPerGpuHour(share.priceNanoUsd())
                    .setCostNanoUsd(shareCost));
        }
        return usage.setCostNanoUsd(cost).build();
    }

    /**
     * What a share's GPUs cost over their first {@code seconds}, rounded down: the difference of two of these is a
     * period's cost, so a share's periods add up to exactly its price × GPUs × whole hours.
     */
    static long costSinceStart(Share share, long seconds) {
        return BigInteger.valueOf(share.priceNanoUsd()).multiply(BigInteger.valueOf(share.gpuCount()))
                .multiply(BigInteger.valueOf(seconds)).divide(SECONDS_PER_HOUR).longValueExact();
    }
}
