package computepool.billing.store;

import computepool.billing.domain.Meter;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;

/**
 * What each charge was for (a request, or a period of a market reservation), written beside its ledger transaction,
 * inside the caller's transaction.
 */
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

    /**
     * One metered period of a market reservation charged to its buyer: the charge row, dated by the period's start,
     * with one row per share of who received what.
     *
     * @param usageId the period's {@code ReservationUsage.usage_id}
     * @param amountNanoUsd what was collected: the cost, unless the buyer's wallets could not cover it
     * @param shares  in the order of the usage's shares
     */
    public record ReservationChargeLine(UUID transactionId, UUID developerId, String usageId, String reservationId,
            String gpuModel, boolean spot, long gpuSeconds, Instant periodStart, Instant periodEnd, long costNanoUsd,
            long amountNanoUsd, List<SoldShare> shares) {

        public ReservationChargeLine {
            shares = List.copyOf(shares);
        }
    }

    /**
     * One share of a reservation's period: the seller paid, the account its proceeds went to, and the GPUs sold.
     *
     * @param sellerKind {@code OPERATOR} or {@code RESELLER}
     */
    public record SoldShare(String sellerKind, String sellerId, UUID accountId, String operatorId, String nodeId,
            int gpuCount, long priceNanoUsdPerGpuHour, long costNanoUsd, long proceedsNanoUsd) {
    }

    public Uni<Void> record(ReservationChargeLine line) {
        return Panache.getSession().chain(session -> {
            Uni<Void> written = session.createNativeQuery("""
                            insert into charge (transaction_id, developer_id, meter, model_id, usage_id, reservation_id,
                                                prompt_tokens, completion_tokens, cost_nano_usd, amount_nano_usd,
                                                occurred_at, gpu_seconds, period_start, period_end, spot)
                            values (:transaction, :developer, :meter, :model, :usage, :reservation, 0, 0, :cost,
                                    :amount, :start, :gpuSeconds, :start, :end, :spot)""")
                    .setParameter("transaction", line.transactionId())
                    .setParameter("developer", line.developerId())
                    .setParameter("meter", Meter.RESERVATION_GPU_SECONDS)
                    .setParameter("model", line.gpuModel())
                    .setParameter("usage", line.usageId())
                    .setParameter("reservation", line.reservationId())
                    .setParameter("cost", line.costNanoUsd())
                    .setParameter("amount", line.amountNanoUsd())
                    .setParameter("start", line.periodStart().atOffset(ZoneOffset.UTC))
                    .setParameter("gpuSeconds", line.gpuSeconds())
                    .setParameter("end", line.periodEnd().atOffset(ZoneOffset.UTC))
                    .setParameter("spot", line.spot())
                    .executeUpdate()
                    .replaceWithVoid();
            for (int i = 0; i < line.shares().size(); i++) {
                int position = i;
                SoldShare share = line.shares().get(i);
                written = written.chain(() -> session.createNativeQuery("""
                                insert into reservation_share (transaction_id, position, seller_kind, seller_id,
                                                               account_id, operator_id, node_id, gpu_count,
                                                               price_nano_usd_per_gpu_hour, cost_nano_usd,
                                                               proceeds_nano_usd)
                                values (:transaction, :position, :kind, :seller, :account, :operator, :node, :gpus,
                                        :price, :cost, :proceeds)""")
                        .setParameter("transaction", line.transactionId())
                        .setParameter("position", position)
                        .setParameter("kind", share.sellerKind())
                        .setParameter("seller", share.sellerId())
                        .setParameter("account", share.accountId())
                        .setParameter("operator", share.operatorId())
                        .setParameter("node", share.nodeId())
                        .setParameter("gpus", share.gpuCount())
                        .setParameter("price", share.priceNanoUsdPerGpuHour())
                        .setParameter("cost", share.costNanoUsd())
                        .setParameter("proceeds", share.proceedsNanoUsd())
                        .executeUpdate()
                        .replaceWithVoid());
            }
            return written;
        });
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
