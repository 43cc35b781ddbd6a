package computepool.payment.pay;

import com.google.protobuf.Timestamp;
import computepool.billing.v1.OperatorSlashed;
import computepool.events.Outbox;
import computepool.events.Topics;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Shard workers' serving sessions, and the slashing of operators whose worker vanished mid-session. A session runs
 * from the worker's announcement until it withdraws or falls silent for {@code computepool.pay.worker-silence-limit}.
 * Silent while its last heartbeat had sessions in flight, it is LOST: in one commit the operator is slashed, its
 * earnings on the model that occurred during the session are marked forfeited, and {@code OperatorSlashed} tells
 * billing the amount. Forfeited earnings count for nothing in flows and true-ups, and the slashed operator's flow
 * units are zero for the rest of the epoch.
 */
@ApplicationScoped
public class WorkerSessions {

    private static final Logger LOG = Logger.getLogger(WorkerSessions.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private record Open(String workerId, String operatorId, String modelId, Instant startedAt, int activeSessions) {
    }

    private final Pool database;
    private final Outbox outbox;
    private final PayConfig config;

    public WorkerSessions(Pool database, Outbox outbox, PayConfig config) {
        this.database = database;
        this.outbox = outbox;
        this.config = config;
    }

    /** Ends every session silent for longer than the limit; those that were serving slash their operator. */
    public void endSilent(Instant now) {
        Instant heardBefore = now.minus(config.workerSilenceLimit());
        List<Open> silent = new ArrayList<>();
        database.preparedQuery("""
                        select worker_id, operator_id, model_id, started_at, active_sessions from worker_session
                        where ended_at is null and last_heard_at < $1 order by worker_id""")
                .execute(Tuple.of(PayStore.utc(heardBefore))).await().atMost(TIMEOUT)
                .forEach(row -> silent.add(new Open(row.getString("worker_id"), row.getString("operator_id"),
                        row.getString("model_id"), row.getOffsetDateTime("started_at").toInstant(),
                        row.getInteger("active_sessions"))));
        for (Open session : silent) {
            database.withTransaction(connection -> end(connection, session, heardBefore, now))
                    .await().atMost(TIMEOUT);
        }
    }

    private Uni<Void> end(SqlConnection connection, Open session, Instant heardBefore, Instant now) {
        boolean lost = session.activeSessions() > 0;
        return connection.preparedQuery("""
                        update worker_session set ended_at = $2, end_reason = $3
                        where worker_id = $1 and ended_at is null and last_heard_at < $4""")
                .execute(Tuple.of(session.workerId(), PayStore.utc(now), lost ? "LOST" : "SILENT",
                        PayStore.utc(heardBefore)))
                .chain(ended -> {
                    if (ended.rowCount() == 0 || !lost) {
                        // Heard from meanwhile, or it vanished idle: nothing in flight was let down.
                        return Uni.createFrom().voidItem();
                    }
                    return slash(connection, session, now);
                });
    }

    private Uni<Void> slash(SqlConnection connection, Open session, Instant now) {
        UUID slashId = UUID.nameUUIDFromBytes(("slash/" + session.workerId() + "/" + session.startedAt())
                .getBytes(StandardCharsets.UTF_8));
        return connection.preparedQuery("""
                        insert into operator_slash (slash_id, worker_id, operator_id, model_id, session_started_at,
                                                    lost_at)
                        values ($1, $2, $3, $4, $5, $6) on conflict (slash_id) do nothing""")
                .execute(Tuple.from(List.of(slashId, session.workerId(), session.operatorId(), session.modelId(),
                        PayStore.utc(session.startedAt()), PayStore.utc(now))))
                .chain(() -> connection.preparedQuery("""
                                with forfeited as (
                                    update operator_earning set forfeited_by = $1
                                    where operator_id = $2 and model_id = $3 and forfeited_by is null
                                      and kind = 'INFERENCE'
                                      and occurred_at >= $4 and occurred_at <= $5
                                    returning amount_nano_usd)
                                select coalesce(sum(amount_nano_usd), 0)::bigint as nano from forfeited""")
                        .execute(Tuple.of(slashId, session.operatorId(), session.modelId(),
                                PayStore.utc(session.startedAt()), PayStore.utc(now))))
                .chain(rows -> {
                    long forfeited = rows.iterator().next().getLong("nano");
                    LOG.warnf("Worker %s of operator %s vanished serving %s (session since %s): %d nano-USD forfeited",
                            session.workerId(), session.operatorId(), session.modelId(), session.startedAt(),
                            forfeited);
                    if (forfeited == 0) {
                        return Uni.createFrom().voidItem();
                    }
                    return outbox.appendAll(connection, List.of(new Outbox.Entry(Topics.PAYMENT, session.operatorId(),
                            slashed(slashId, session.operatorId(), session.workerId(), session.modelId(), forfeited,
                                    session.startedAt(), now)))).replaceWithVoid();
                });
    }

    /** Operators slashed on the model since {@code since}: their flow units stay zero until the epoch is settled. */
    public Set<String> slashedSince(String modelId, Instant since) {
        Set<String> operators = new TreeSet<>();
        database.preparedQuery("select distinct operator_id from operator_slash where model_id = $1 and lost_at >= $2")
                .execute(Tuple.of(modelId, PayStore.utc(since))).await().atMost(TIMEOUT)
                .forEach(row -> operators.add(row.getString("operator_id")));
        return operators;
    }

    static OperatorSlashed slashed(UUID forfeitureId, String operatorId, String workerId, String modelId,
            long forfeitedNanoUsd, Instant sessionStartedAt, Instant lostAt) {
        return OperatorSlashed.newBuilder()
                .setForfeitureId(forfeitureId.toString())
                .setOperatorId(operatorId)
                .setWorkerId(workerId)
                .setModelId(modelId)
                .setForfeitedNanoUsd(forfeitedNanoUsd)
                .setSessionStartedAt(timestamp(sessionStartedAt))
                .setLostAt(timestamp(lostAt))
                .build();
    }

    private static Timestamp timestamp(Instant at) {
        return Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano()).build();
    }
}
