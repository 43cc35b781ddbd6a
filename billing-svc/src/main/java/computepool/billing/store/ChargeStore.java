package computepool.billing.store;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.UUID;

/** What each charge was for, written beside its ledger transaction, inside the caller's transaction. */
@ApplicationScoped
public class ChargeStore {

    /** One charge: its transaction, whom, on which meter and model, for what quantities, at what cost. */
    public record ChargeLine(UUID transactionId, UUID developerId, String meter, String modelId, String requestId,
            long promptTokens, long completionTokens, long costNanoUsd, long amountNanoUsd, Instant occurredAt) {
    }

    public Uni<Void> record(ChargeLine line) {
        return Panache.getSession().chain(session -> session.createNativeQuery("""
                        insert into charge (transaction_id, developer_id, meter, model_id, request_id, prompt_tokens,
                                            completion_tokens, cost_nano_usd, amount_nano_usd, occurred_at)
                        values (:transaction, :developer, :meter, :model, :request, :prompt, :completion, :cost,
                                :amount, :at)""")
                .setParameter("transaction", line.transactionId())
                .setParameter("developer", line.developerId())
                .setParameter("meter", line.meter())
                .setParameter("model", line.modelId())
                .setParameter("request", line.requestId())
                .setParameter("prompt", line.promptTokens())
                .setParameter("completion", line.completionTokens())
                .setParameter("cost", line.costNanoUsd())
                .setParameter("amount", line.amountNanoUsd())
                .setParameter("at", line.occurredAt().atOffset(ZoneOffset.UTC))
                .executeUpdate()
                .replaceWithVoid());
    }
}
