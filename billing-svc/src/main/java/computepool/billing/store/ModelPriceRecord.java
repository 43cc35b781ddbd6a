package computepool.billing.store;

import computepool.billing.domain.ModelPrice;
import jakarta.persistence.Column;
import jakarta.persistence.Embeddable;
import jakarta.persistence.EmbeddedId;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.time.Instant;

/** One version of a model's price. */
@Entity
@Table(name = "model_price")
public class ModelPriceRecord {

    /** A price version is named by its model and the instant it takes effect. */
    @Embeddable
    public record Key(@Column(name = "model_id") String modelId, @Column(name = "valid_from") Instant validFrom)
            implements Serializable {
    }

    @EmbeddedId
    public Key key;

    @Column(name = "prompt_nano_usd_per_million_tokens", nullable = false)
    public long promptNanoUsdPerMillionTokens;

    @Column(name = "completion_nano_usd_per_million_tokens", nullable = false)
    public long completionNanoUsdPerMillionTokens;

    @Column(name = "created_at", nullable = false, updatable = false)
    public Instant createdAt;

    static ModelPriceRecord from(ModelPrice price, Instant now) {
        ModelPriceRecord row = new ModelPriceRecord();
        row.key = new Key(price.modelId(), price.validFrom());
        row.promptNanoUsdPerMillionTokens = price.promptNanoUsdPerMillionTokens();
        row.completionNanoUsdPerMillionTokens = price.completionNanoUsdPerMillionTokens();
        row.createdAt = now;
        return row;
    }

    ModelPrice toDomain() {
        return new ModelPrice(key.modelId(), key.validFrom(), promptNanoUsdPerMillionTokens,
                completionNanoUsdPerMillionTokens);
    }
}
