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

    /**
     * One charge: its transaction, whom, on which meter and model, for what quantities, at what cost.
     *
     * @param developerId  the developer charged; null for a request paid by a voucher
     * @param voucherPayer the wallet that paid the request with an x402 voucher; null for a developer's charge
     */
    public record ChargeLine(UUID transactionId, UUID developerId, String voucherPayer, String meter, String modelId,
            String requestId, long promptTokens, long completionTokens, long costNanoUsd, long amountNanoUsd,
            Instant occurredAt) {

        public ChargeLine {
            if ((developerId == null) == (voucherPayer == null)) {
                throw new IllegalArgumentException("a charge is paid by exactly one of a developer and a voucher");
            }
        }

        /** Whom the charge's events are keyed by: the developer, or the voucher's wallet. */
        public String payerKey() {
            return developerId != null ? developerId.toString() : voucherPayer;
        }
    }

    public Uni<Void> record(ChargeLine line) {
        return Panache.getSession().chain(session -> session.createNativeQuery("""
                        insert into charge (transaction_id, developer_id, voucher_payer, meter, model_id, request_id,
                                            prompt_tokens, completion_tokens, cost_nano_usd, amount_nano_usd,
                                            occurred_at)
                        values (:transaction, :developer, :payer, :meter, :model, :request, :prompt, :completion,
                                :cost, :amount, :at)""")
                .setParameter("transaction", line.transactionId())
                .setParameter("developer", line.developerId())
                .setParameter("payer", line.voucherPayer())
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
