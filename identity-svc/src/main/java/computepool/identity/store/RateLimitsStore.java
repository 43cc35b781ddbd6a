package computepool.identity.store;

import computepool.identity.domain.RateLimits;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/** Developers' rate limits as administrators set them; a developer without a row has the defaults. */
@ApplicationScoped
public class RateLimitsStore implements PanacheRepositoryBase<RateLimitsRecord, UUID> {

    public Uni<Optional<RateLimits>> ofDeveloper(UUID developerId) {
        return findById(developerId).map(row -> Optional.ofNullable(row).map(RateLimitsRecord::toDomain));
    }

    /** Sets or replaces the developer's limits; an upsert, so two administrators at once cannot collide. */
    public Uni<RateLimits> set(UUID developerId, RateLimits limits, Instant at) {
        return Panache.getSession().chain(session -> session.createNativeQuery("""
                insert into developer_rate_limits (developer_id, requests_per_minute, tokens_per_minute, updated_at)
                values (:developer, :requests, :tokens, :at)
                on conflict (developer_id) do update set requests_per_minute = excluded.requests_per_minute,
                    tokens_per_minute = excluded.tokens_per_minute, updated_at = excluded.updated_at
                """)
                .setParameter("developer", developerId)
                .setParameter("requests", limits.requestsPerMinute())
                .setParameter("tokens", limits.tokensPerMinute())
                .setParameter("at", at)
                .executeUpdate())
                .replaceWith(limits);
    }
}
