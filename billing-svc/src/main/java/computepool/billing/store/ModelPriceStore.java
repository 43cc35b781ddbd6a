package computepool.billing.store;

import computepool.billing.domain.ModelPrice;
import computepool.billing.domain.PriceBook;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;

/** Versioned model prices. */
@ApplicationScoped
public class ModelPriceStore implements PanacheRepositoryBase<ModelPriceRecord, ModelPriceRecord.Key> {

    /** Adds a version; a second version of one model at the same instant breaks the primary key. */
    public Uni<ModelPrice> add(ModelPrice price, Instant now) {
        return persistAndFlush(ModelPriceRecord.from(price, now)).map(ModelPriceRecord::toDomain);
    }

    public Uni<PriceBook> book(String modelId) {
        return list("key.modelId", modelId)
                .map(rows -> new PriceBook(rows.stream().map(ModelPriceRecord::toDomain).toList()));
    }
}
