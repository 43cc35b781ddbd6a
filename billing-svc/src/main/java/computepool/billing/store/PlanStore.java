package computepool.billing.store;

import computepool.billing.domain.GpuPrice;
import computepool.billing.domain.GpuType;
import computepool.billing.domain.PlatformFee;
import computepool.billing.domain.PriceTier;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;

/**
 * Versioned GPU-second prices and platform fee shares; each version is named by the instant it takes effect, and a
 * second version at the same instant breaks the primary key. Writes join the caller's transaction.
 */
@ApplicationScoped
public class PlanStore {

    public Uni<GpuPrice> addGpuPrice(GpuPrice price, Instant now) {
        return Panache.getSession().chain(session -> session.createNativeQuery("""
                        insert into gpu_price (gpu_type, tier, valid_from, nano_usd_per_gpu_second, created_at)
                        values (:type, :tier, :from, :price, :now)""")
                .setParameter("type", price.gpuType().name())
                .setParameter("tier", price.tier().name())
                .setParameter("from", utc(price.validFrom()))
                .setParameter("price", price.nanoUsdPerGpuSecond())
                .setParameter("now", utc(now))
                .executeUpdate())
                .replaceWith(price);
    }

    public Uni<Optional<GpuPrice>> gpuPriceAt(GpuType type, PriceTier tier, Instant at) {
        return Panache.getSession().chain(session -> session.createNativeQuery("""
                        select valid_from, nano_usd_per_gpu_second from gpu_price
                        where gpu_type = :type and tier = :tier and valid_from <= :at
                        order by valid_from desc limit 1""", Object[].class)
                .setParameter("type", type.name())
                .setParameter("tier", tier.name())
                .setParameter("at", utc(at))
                .getResultList())
                .map(rows -> first(rows).map(row -> new GpuPrice(type, tier, instant(row[0]),
                        ((Number) row[1]).longValue())));
    }

    public Uni<PlatformFee> addPlatformFee(PlatformFee fee, Instant now) {
        return Panache.getSession().chain(session -> session.createNativeQuery("""
                        insert into platform_fee (valid_from, basis_points, created_at) values (:from, :points, :now)""")
                .setParameter("from", utc(fee.validFrom()))
                .setParameter("points", fee.basisPoints())
                .setParameter("now", utc(now))
                .executeUpdate())
                .replaceWith(fee);
    }

    /** The fee valid at {@code at}; the schema's first version is valid from 1970, so there always is one. */
    public Uni<PlatformFee> platformFeeAt(Instant at) {
        return Panache.getSession().chain(session -> session.createNativeQuery("""
                        select valid_from, basis_points from platform_fee where valid_from <= :at
                        order by valid_from desc limit 1""", Object[].class)
                .setParameter("at", utc(at))
                .getSingleResult())
                .map(row -> new PlatformFee(instant(row[0]), ((Number) row[1]).intValue()));
    }

    private static Optional<Object[]> first(List<Object[]> rows) {
        return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }

    private static Instant instant(Object value) {
        return value instanceof OffsetDateTime time ? time.toInstant() : (Instant) value;
    }
}
