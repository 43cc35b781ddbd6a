package computepool.identity.store;

import computepool.identity.domain.RateLimits;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** The limits an administrator set for one developer. */
@Entity
@Table(name = "developer_rate_limits")
public class RateLimitsRecord {

    @Id
    @Column(name = "developer_id")
    public UUID developerId;

    @Column(name = "requests_per_minute", nullable = false)
    public int requestsPerMinute;

    @Column(name = "tokens_per_minute", nullable = false)
    public long tokensPerMinute;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;

    RateLimits toDomain() {
        return new RateLimits(requestsPerMinute, tokensPerMinute);
    }
}
