package computepool.billing.events;

import computepool.billing.domain.LedgerEntry;
import computepool.billing.domain.Posting;
import computepool.billing.store.LedgerStore;
import computepool.billing.v1.OperatorSlashed;
import computepool.billing.v1.PayoutSettled;
import computepool.events.EventConsumer;
import computepool.events.EventHandlers;
import computepool.events.MalformedEventException;
import computepool.payment.v1.VoucherSettled;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Books what payment-svc did on chain: each payout settled and each forfeiture of an operator slashed for a worker
 * that vanished mid-session (either lowers the operator's unpaid earnings, once per payout or forfeiture: the ledger
 * transaction's reference), and each x402 voucher whose transfer was confirmed (booked once per transaction as money
 * received for a request not served yet, whether or not the request is ever served).
 */
@ApplicationScoped
public class PaymentEventsConsumer {

    static final String CHANNEL = "payment-events";
    static final String CONSUMER_NAME = "billing-payouts";

    private final EventConsumer consumer;
    private final EventHandlers handlers;

    public PaymentEventsConsumer(EventConsumer consumer, LedgerStore ledger, Clock clock) {
        this.consumer = consumer;
        this.handlers = EventHandlers.builder().on(PayoutSettled.getDefaultInstance(), (event, settled) -> {
            if (settled.getAmountNanoUsd() <= 0 || settled.getOperatorId().isBlank() || settled.getPayoutId().isBlank()) {
                return Uni.createFrom().failure(new MalformedEventException("PayoutSettled " + settled.getPayoutId()
                        + " needs a payout id, an operator and a positive amount"));
            }
            Instant settledAt = Instant.ofEpochSecond(settled.getSettledAt().getSeconds(), settled.getSettledAt().getNanos());
            return ledger.operatorAccount(settled.getOperatorId(), settledAt)
                    .chain(account -> ledger.book(new LedgerEntry(
                            UUID.nameUUIDFromBytes(("payout/" + settled.getPayoutId()).getBytes(StandardCharsets.UTF_8)),
                            LedgerEntry.PAYOUT, settled.getPayoutId(), settledAt,
                            List.of(new Posting(account, -settled.getAmountNanoUsd()),
                                    new Posting(LedgerStore.OPERATOR_PAYOUTS, settled.getAmountNanoUsd()))),
                            clock.instant()))
                    .replaceWithVoid();
        }).on(OperatorSlashed.getDefaultInstance(), (event, slashed) -> {
            if (slashed.getForfeitedNanoUsd() <= 0 || slashed.getOperatorId().isBlank()
                    || slashed.getForfeitureId().isBlank()) {
                return Uni.createFrom().failure(new MalformedEventException("OperatorSlashed "
                        + slashed.getForfeitureId() + " needs a forfeiture id, an operator and a positive amount"));
            }
            Instant lostAt = Instant.ofEpochSecond(slashed.getLostAt().getSeconds(), slashed.getLostAt().getNanos());
            return ledger.operatorAccount(slashed.getOperatorId(), lostAt)
                    .chain(account -> ledger.book(new LedgerEntry(
                            UUID.nameUUIDFromBytes(("forfeit/" + slashed.getForfeitureId())
                                    .getBytes(StandardCharsets.UTF_8)),
                            LedgerEntry.FORFEIT, slashed.getForfeitureId(), lostAt,
                            List.of(new Posting(account, -slashed.getForfeitedNanoUsd()),
                                    new Posting(LedgerStore.OPERATOR_FORFEITS, slashed.getForfeitedNanoUsd()))),
                            clock.instant()))
                    .replaceWithVoid();
        }).on(VoucherSettled.getDefaultInstance(), (event, settled) -> {
            if (settled.getPaidNanoUsd() <= 0 || !VoucherTransactions.isTransaction(settled.getTransaction())) {
                return Uni.createFrom().failure(new MalformedEventException("VoucherSettled "
                        + settled.getSettlementKey() + " needs a positive paid_nano_usd and a transaction of 32 bytes,"
                        + " 0x-prefixed hex, not '" + settled.getTransaction() + "'"));
            }
            String transaction = VoucherTransactions.normalized(settled.getTransaction());
            Instant settledAt = Instant.ofEpochSecond(settled.getSettledAt().getSeconds(), settled.getSettledAt().getNanos());
            return ledger.book(new LedgerEntry(
                            UUID.nameUUIDFromBytes(("voucher-settled/" + transaction).getBytes(StandardCharsets.UTF_8)),
                            LedgerEntry.VOUCHER_SETTLED, transaction, settledAt,
                            List.of(new Posting(LedgerStore.VOUCHERS_RECEIVED, -settled.getPaidNanoUsd()),
                                    new Posting(LedgerStore.VOUCHERS_UNSERVED, settled.getPaidNanoUsd()))),
                            clock.instant())
                    .replaceWithVoid();
        }).build();
        consumer.register(CONSUMER_NAME, handlers);
    }

    @Incoming(CHANNEL)
    public Uni<Void> onPaymentEvent(ConsumerRecord<String, byte[]> record) {
        return consumer.consume(CONSUMER_NAME, record, handlers);
    }
}
