package computepool.payment.pay;

import computepool.events.EventConsumer;
import computepool.events.EventHandlers;
import computepool.events.MalformedEventException;
import computepool.workers.v1.WorkerAnnouncement;
import computepool.workers.v1.WorkerHeartbeat;
import computepool.workers.v1.WorkerWithdrawn;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Follows shard workers' serving sessions on the workers topic, by this service's clock: an announcement opens a
 * session (or keeps the open one), a heartbeat says the worker is alive and how many sessions it has in flight (and
 * reopens a session that had ended), a withdrawal ends it cleanly. {@link WorkerSessions} judges the silent ones.
 */
@ApplicationScoped
public class WorkerSessionsConsumer {

    static final String CHANNEL = "worker-events";
    static final String CONSUMER_NAME = "payment-worker-sessions";

    private final EventConsumer consumer;
    private final EventHandlers handlers;

    public WorkerSessionsConsumer(EventConsumer consumer, Clock clock) {
        this.consumer = consumer;
        this.handlers = EventHandlers.builder()
                .on(WorkerAnnouncement.getDefaultInstance(), (event, announcement) -> {
                    if (announcement.getWorkerId().isBlank() || announcement.getOperatorId().isBlank()
                            || announcement.getModelId().isBlank()) {
                        return Uni.createFrom().failure(new MalformedEventException("WorkerAnnouncement needs a "
                                + "worker id, an operator and a model"));
                    }
                    return execute("""
                            insert into worker_session (worker_id, operator_id, model_id, started_at, last_heard_at)
                            values (?1, ?2, ?3, ?4, ?4)
                            on conflict (worker_id) do update set
                                operator_id = excluded.operator_id, model_id = excluded.model_id,
                                last_heard_at = excluded.last_heard_at,
                                started_at = case when worker_session.ended_at is null then worker_session.started_at
                                                  else excluded.started_at end,
                                active_sessions = case when worker_session.ended_at is null
                                                       then worker_session.active_sessions else 0 end,
                                ended_at = null, end_reason = null""",
                            announcement.getWorkerId(), announcement.getOperatorId(), announcement.getModelId(),
                            now(clock));
                })
                .on(WorkerHeartbeat.getDefaultInstance(), (event, heartbeat) -> {
                    if (heartbeat.getWorkerId().isBlank() || heartbeat.getLoad().getActiveSessions() < 0) {
                        return Uni.createFrom().failure(new MalformedEventException("WorkerHeartbeat needs a worker "
                                + "id and a load that is not negative"));
                    }
                    // A heartbeat of a worker never announced here is ignored: its operator and model are unknown.
                    return execute("""
                            update worker_session set last_heard_at = ?2, active_sessions = ?3,
                                started_at = case when ended_at is null then started_at else ?2 end,
                                ended_at = null, end_reason = null
                            where worker_id = ?1""",
                            heartbeat.getWorkerId(), now(clock), heartbeat.getLoad().getActiveSessions());
                })
                .on(WorkerWithdrawn.getDefaultInstance(), (event, withdrawn) -> execute("""
                        update worker_session set ended_at = ?2, end_reason = 'WITHDRAWN', active_sessions = 0
                        where worker_id = ?1 and ended_at is null""", withdrawn.getWorkerId(), now(clock)))
                .build();
        consumer.register(CONSUMER_NAME, handlers);
    }

    private static OffsetDateTime now(Clock clock) {
        return OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
    }

    private static Uni<Void> execute(String sql, Object... parameters) {
        return Panache.getSession().chain(session -> {
            var query = session.createNativeQuery(sql);
            for (int i = 0; i < parameters.length; i++) {
                query.setParameter(i + 1, parameters[i]);
            }
            return query.executeUpdate();
        }).replaceWithVoid();
    }

    @Incoming(CHANNEL)
    public Uni<Void> onWorkerEvent(ConsumerRecord<String, byte[]> record) {
        return consumer.consume(CONSUMER_NAME, record, handlers);
    }
}
