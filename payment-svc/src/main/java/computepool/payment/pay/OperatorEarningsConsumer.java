package computepool.payment.pay;

import computepool.billing.v1.EarningKind;
import computepool.billing.v1.OperatorEarned;
import computepool.events.EventConsumer;
import computepool.events.EventHandlers;
import computepool.events.MalformedEventException;
import computepool.events.Outbox;
import computepool.events.Topics;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.hibernate.reactive.mutiny.Mutiny;

/**
 * Records each operator earning billing announces, once; the first earning on a model opens its coalition, whose
 * first epoch to settle is the one the earning arrived in. GPU time sold on the market is paid the same way from a
 * coalition per GPU model ({@code gpu:<model>}). An inference earning of a slashed session is forfeited on arrival;
 * a reservation's never is.
 */
@ApplicationScoped
public class OperatorEarningsConsumer {

    static final String CHANNEL = "billing-events";
    static final String CONSUMER_NAME = "payment-operator-earnings";

    private final EventConsumer consumer;
    private final EventHandlers handlers;
    private final Outbox outbox;

    public OperatorEarningsConsumer(EventConsumer consumer, Outbox outbox, PayConfig config, Clock clock) {
        this.consumer = consumer;
        this.outbox = outbox;
        this.handlers = EventHandlers.of(OperatorEarned.getDefaultInstance(), (event, earned) -> {
            if (earned.getAmountNanoUsd() <= 0 || earned.getModelId().isBlank() || earned.getOperatorId().isBlank()) {
                return Uni.createFrom().failure(new MalformedEventException("OperatorEarned " + earned.getEarningId()
                        + " needs an operator, a model and a positive amount"));
            }
            String kind = earned.getKind() == EarningKind.RESERVATION ? "RESERVATION" : "INFERENCE";
            if (kind.equals("RESERVATION") && (earned.getGpuModel().isBlank()
                    || !earned.getModelId().equals("gpu:" + earned.getGpuModel()))) {
                return Uni.createFrom().failure(new MalformedEventException("OperatorEarned " + earned.getEarningId()
                        + " of a reservation is paid from the pool of its GPU model: model_id must be 'gpu:"
                        + earned.getGpuModel() + "', not '" + earned.getModelId() + "'"));
            }
            UUID earningId;
            try {
                earningId = UUID.fromString(earned.getEarningId());
            } catch (IllegalArgumentException e) {
                return Uni.createFrom().failure(new MalformedEventException("earning_id is not a UUID: "
                        + earned.getEarningId()));
            }
            Instant now = clock.instant();
            long epoch = Epochs.of(now, config.epochLength());
            return Panache.getSession().chain(session -> session.createNativeQuery("""
                            insert into operator_earning (earning_id, operator_id, model_id, amount_nano_usd, occurred_at,
                                                          received_at, kind)
                            values (?1, ?2, ?3, ?4, ?5, ?6, ?7) on conflict (earning_id) do nothing""")
                    .setParameter(1, earningId)
                    .setParameter(2, earned.getOperatorId())
                    .setParameter(3, earned.getModelId())
                    .setParameter(4, earned.getAmountNanoUsd())
                    .setParameter(5, OffsetDateTime.ofInstant(Instant.ofEpochSecond(earned.getOccurredAt().getSeconds(),
                            earned.getOccurredAt().getNanos()), ZoneOffset.UTC))
                    .setParameter(6, OffsetDateTime.ofInstant(now, ZoneOffset.UTC))
                    .setParameter(7, kind)
                    .executeUpdate()
                    .chain(() -> session.createNativeQuery("""
                                    insert into coalition (model_id, settled_epoch) values (?1, ?2)
                                    on conflict (model_id) do nothing""")
                            .setParameter(1, earned.getModelId())
                            .setParameter(2, epoch - 1)
                            .executeUpdate())
                    .chain(() -> forfeitIfSlashed(session, earningId, earned)))
                    .replaceWithVoid();
        });
        consumer.register(CONSUMER_NAME, handlers);
    }

    /**
     * An earning that occurred during the session of a worker its operator was slashed for is forfeited however late
     * it arrives, and billing is told so.
     */
    private Uni<Void> forfeitIfSlashed(Mutiny.Session session, UUID earningId, OperatorEarned earned) {
        return session.createNativeQuery("""
                        with forfeited as (
                            update operator_earning e set forfeited_by = s.slash_id from operator_slash s
                            where e.earning_id = ?1 and e.forfeited_by is null and e.kind = 'INFERENCE'
                              and s.operator_id = e.operator_id
                              and s.model_id = e.model_id and e.occurred_at >= s.session_started_at
                              and e.occurred_at <= s.lost_at
                            returning s.slash_id, s.worker_id, s.session_started_at, s.lost_at)
                        select cast(slash_id as text), worker_id,
                               cast(extract(epoch from session_started_at) * 1000000 as bigint),
                               cast(extract(epoch from lost_at) * 1000000 as bigint)
                        from forfeited""", Object[].class)
                .setParameter(1, earningId)
                .getResultList()
                .chain(rows -> {
                    if (rows.isEmpty()) {
                        return Uni.createFrom().voidItem();
                    }
                    Object[] slash = rows.getFirst();
                    UUID forfeitureId = UUID.nameUUIDFromBytes((slash[0] + "/" + earningId)
                            .getBytes(StandardCharsets.UTF_8));
                    return outbox.append(Topics.PAYMENT, earned.getOperatorId(), WorkerSessions.slashed(forfeitureId,
                            earned.getOperatorId(), (String) slash[1], earned.getModelId(), earned.getAmountNanoUsd(),
                            micros(((Number) slash[2]).longValue()), micros(((Number) slash[3]).longValue())))
                            .replaceWithVoid();
                });
    }

    private static Instant micros(long sinceEpoch) {
        return Instant.EPOCH.plus(sinceEpoch, ChronoUnit.MICROS);
    }

    @Incoming(CHANNEL)
    public Uni<Void> onBillingEvent(ConsumerRecord<String, byte[]> record) {
        return consumer.consume(CONSUMER_NAME, record, handlers);
    }
}
