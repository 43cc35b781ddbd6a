package computepool.payment.store;

import computepool.payment.domain.Webhook;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.UUID;

/** Webhook endpoints by owner; every write joins the caller's reactive transaction. */
@ApplicationScoped
public class WebhookStore implements PanacheRepositoryBase<WebhookRecord, UUID> {

    /** Inserts an endpoint with its events and flushes, so a broken constraint fails this call, inside the transaction. */
    public Uni<Webhook> insert(Webhook webhook) {
        return persistAndFlush(WebhookRecord.from(webhook)).map(WebhookRecord::toDomain);
    }

    /** The owner's endpoints, oldest first, each with its events loaded in the same query. */
    public Uni<List<Webhook>> ofOwner(String ownerId) {
        return find("from WebhookRecord w left join fetch w.events where w.ownerId = ?1 order by w.createdAt, w.id",
                ownerId)
                .list()
                .map(rows -> rows.stream().map(WebhookRecord::toDomain).toList());
    }

    /** Deletes the endpoint if the owner owns it; false when there is no such endpoint of theirs. */
    public Uni<Boolean> deleteOfOwner(UUID id, String ownerId) {
        return find("id = ?1 and ownerId = ?2", id, ownerId).firstResult()
                .chain(row -> row == null ? Uni.createFrom().item(false) : delete(row).replaceWith(true));
    }
}
