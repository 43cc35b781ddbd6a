package computepool.billing.store;

import computepool.billing.domain.Meter;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Read-only reports over charges and the ledger: usage by day, ledger entries, invoices and operators' statements,
 * with reservations' GPU time beside requests.
 * Plain SQL on the reactive pool: they group and sum in the database and need no entities.
 */
@ApplicationScoped
public class ReportStore {

    /** Usage of one UTC day, meter and model. */
    public record UsageDay(LocalDate date, String meter, String modelId, long requests, long promptTokens,
            long completionTokens, long amountNanoUsd) {
    }

    /** One posting on one of the developer's wallets. */
    public record LedgerLine(UUID transactionId, String kind, String reference, Instant occurredAt, String wallet,
            long amountNanoUsd) {
    }

    /** What a line of an invoice or statement is of: metered usage, a reservation's GPU time, or hours resold. */
    public static final String USAGE = "usage";
    public static final String RESERVATION = "reservation";
    public static final String RESALE = "resale";

    /** One line of what a developer was charged in a period; {@code kind} says which shape it has. */
    public sealed interface InvoiceLine permits UsageLine, ReservationLine {

        String kind();

        long amountNanoUsd();
    }

    /** The charges of one meter and model in a period (kind {@code usage}). */
    @RegisterForReflection
    public record UsageLine(String kind, String meter, String modelId, long requests, long promptTokens,
            long completionTokens, long amountNanoUsd) implements InvoiceLine {
    }

    /**
     * A reservation's metered periods charged in a period (kind {@code reservation}): from the first period's start
     * to the last one's end, the GPU-seconds, what they cost and what was collected (less only when the buyer's
     * wallets could not cover them).
     */
    @RegisterForReflection
    public record ReservationLine(String kind, String meter, String reservationId, String gpuModel, boolean spot,
            long periods, long gpuSeconds, Instant periodStart, Instant periodEnd, long costNanoUsd,
            long amountNanoUsd) implements InvoiceLine {
    }

    /** One line of what an operator earned in a period; {@code kind} says which shape it has. */
    public sealed interface StatementLine permits EarningLine, ReservationSaleLine {

        String kind();

        long earnedNanoUsd();
    }

    /** An operator's earnings from one meter and model in a period (kind {@code usage}). */
    @RegisterForReflection
    public record EarningLine(String kind, String meter, String modelId, long charges, long earnedNanoUsd)
            implements StatementLine {
    }

    /**
     * GPUs of one reservation a seller was paid for in a period: on an operator's statement (kind
     * {@code reservation}), or as a credit on a reselling developer's invoice (kind {@code resale}). The GPU-seconds
     * are the seller's own GPUs', the cost what the buyer owed for them, and the earnings what the seller received of
     * it after the platform's fee.
     */
    @RegisterForReflection
    public record ReservationSaleLine(String kind, String reservationId, String gpuModel, long periods,
            long gpuSeconds, Instant periodStart, Instant periodEnd, long costNanoUsd, long earnedNanoUsd)
            implements StatementLine {
    }

    private final Pool database;

    public ReportStore(Pool database) {
        this.database = database;
    }

    /** The developer a Keycloak subject signs in as (the newest, should identity-svc have announced several). */
    public Uni<Optional<UUID>> developerOf(String subject) {
        return database.preparedQuery("""
                        select developer_id from account where subject = $1 and kind = 'DEVELOPER_PAID'
                        order by opened_at desc, developer_id desc limit 1""")
                .execute(Tuple.of(subject))
                .map(rows -> rows.iterator().hasNext()
                        ? Optional.of(rows.iterator().next().getUUID(0)) : Optional.empty());
    }

    public Uni<Boolean> developerKnown(UUID developerId) {
        return database.preparedQuery("select exists (select 1 from account where developer_id = $1)")
                .execute(Tuple.of(developerId)).map(rows -> rows.iterator().next().getBoolean(0));
    }

    public Uni<List<UsageDay>> usageByDay(UUID developerId, Instant from, Instant until) {
        return database.preparedQuery("""
                        select (occurred_at at time zone 'UTC')::date as day, meter, model_id, count(*),
                               sum(prompt_tokens)::bigint, sum(completion_tokens)::bigint, sum(amount_nano_usd)::bigint
                        from charge where developer_id = $1 and occurred_at >= $2 and occurred_at < $3
                        group by day, meter, model_id order by day, meter, model_id""")
                .execute(Tuple.of(developerId, utc(from), utc(until)))
                .map(rows -> {
                    List<UsageDay> days = new ArrayList<>();
                    for (Row row : rows) {
                        days.add(new UsageDay(row.getLocalDate(0), row.getString(1), row.getString(2),
                                row.getLong(3), row.getLong(4), row.getLong(5), row.getLong(6)));
                    }
                    return days;
                });
    }

    /** The developer's wallet postings, newest first, those before {@code before} when given. */
    public Uni<List<LedgerLine>> ledger(UUID developerId, Optional<Instant> before, int limit) {
        return database.preparedQuery("""
                        select t.id, t.kind, t.reference, t.occurred_at, a.kind, p.amount_nano_usd
                        from posting p join account a on a.id = p.account_id
                        join ledger_transaction t on t.id = p.transaction_id
                        where a.developer_id = $1 and t.occurred_at < $2
                        order by t.occurred_at desc, t.id limit $3""")
                .execute(Tuple.of(developerId, utc(before.orElse(Instant.parse("9999-12-31T00:00:00Z"))), limit))
                .map(rows -> {
                    List<LedgerLine> lines = new ArrayList<>();
                    for (Row row : rows) {
                        lines.add(new LedgerLine(row.getUUID(0), row.getString(1), row.getString(2),
                                row.getOffsetDateTime(3).toInstant(),
                                "DEVELOPER_PAID".equals(row.getString(4)) ? "paid" : "subsidised", row.getLong(5)));
                    }
                    return lines;
                });
    }

    /** The developer's charges in the period: a line per meter and model of requests, then one per reservation. */
    public Uni<List<InvoiceLine>> invoiceLines(UUID developerId, Instant from, Instant until) {
        return database.preparedQuery("""
                        select meter, model_id, count(*), sum(prompt_tokens)::bigint, sum(completion_tokens)::bigint,
                               sum(amount_nano_usd)::bigint
                        from charge where developer_id = $1 and usage_id is null
                                    and occurred_at >= $2 and occurred_at < $3
                        group by meter, model_id order by meter, model_id""")
                .execute(Tuple.of(developerId, utc(from), utc(until)))
                .map(rows -> {
                    List<InvoiceLine> lines = new ArrayList<>();
                    for (Row row : rows) {
                        lines.add(new UsageLine(USAGE, row.getString(0), row.getString(1), row.getLong(2),
                                row.getLong(3), row.getLong(4), row.getLong(5)));
                    }
                    return lines;
                })
                .chain(lines -> reservationLines(developerId, from, until).map(reservations -> {
                    lines.addAll(reservations);
                    return lines;
                }));
    }

    private Uni<List<ReservationLine>> reservationLines(UUID developerId, Instant from, Instant until) {
        return database.preparedQuery("""
                        select reservation_id, model_id, bool_or(spot), count(*), sum(gpu_seconds)::bigint,
                               min(period_start), max(period_end), sum(cost_nano_usd)::bigint,
                               sum(amount_nano_usd)::bigint
                        from charge where developer_id = $1 and usage_id is not null
                                    and occurred_at >= $2 and occurred_at < $3
                        group by reservation_id, model_id order by min(period_start), reservation_id""")
                .execute(Tuple.of(developerId, utc(from), utc(until)))
                .map(rows -> {
                    List<ReservationLine> lines = new ArrayList<>();
                    for (Row row : rows) {
                        lines.add(new ReservationLine(RESERVATION, Meter.RESERVATION_GPU_SECONDS, row.getString(0),
                                row.getString(1), row.getBoolean(2), row.getLong(3), row.getLong(4),
                                row.getOffsetDateTime(5).toInstant(), row.getOffsetDateTime(6).toInstant(),
                                row.getLong(7), row.getLong(8)));
                    }
                    return lines;
                });
    }

    /** What the developer received in the period for reservation hours it resold, a line per reservation. */
    public Uni<List<ReservationSaleLine>> resales(UUID developerId, Instant from, Instant until) {
        return reservationSales(RESALE, "a.developer_id = $1 and s.seller_kind = 'RESELLER'",
                Tuple.of(developerId, utc(from), utc(until)));
    }

    /** What the operator earned in the period from the GPUs it sold on the market, a line per reservation. */
    private Uni<List<ReservationSaleLine>> reservationEarnings(String operatorId, Instant from, Instant until) {
        return reservationSales(RESERVATION, "a.operator_id = $1 and a.kind = 'OPERATOR_EARNINGS'",
                Tuple.of(operatorId, utc(from), utc(until)));
    }

    /** @param seller a condition on the account paid ({@code a}) and the share ({@code s}), with the seller as $1 */
    private Uni<List<ReservationSaleLine>> reservationSales(String kind, String seller, Tuple arguments) {
        return database.preparedQuery("""
                        select c.reservation_id, c.model_id, count(distinct c.transaction_id),
                               sum(s.gpu_count * extract(epoch from c.period_end - c.period_start))::bigint,
                               min(c.period_start), max(c.period_end), sum(s.cost_nano_usd)::bigint,
                               sum(s.proceeds_nano_usd)::bigint
                        from reservation_share s join account a on a.id = s.account_id
                        join charge c on c.transaction_id = s.transaction_id
                        where %s and c.occurred_at >= $2 and c.occurred_at < $3
                        group by c.reservation_id, c.model_id order by min(c.period_start), c.reservation_id"""
                        .formatted(seller))
                .execute(arguments)
                .map(rows -> {
                    List<ReservationSaleLine> lines = new ArrayList<>();
                    for (Row row : rows) {
                        lines.add(new ReservationSaleLine(kind, row.getString(0), row.getString(1), row.getLong(2),
                                row.getLong(3), row.getOffsetDateTime(4).toInstant(),
                                row.getOffsetDateTime(5).toInstant(), row.getLong(6), row.getLong(7)));
                    }
                    return lines;
                });
    }

    /** What subsidised credit paid of the developer's charges in the period. */
    public Uni<Long> paidBySubsidies(UUID developerId, Instant from, Instant until) {
        return database.preparedQuery("""
                        select coalesce(-sum(p.amount_nano_usd), 0)::bigint from charge c
                        join posting p on p.transaction_id = c.transaction_id
                        join account a on a.id = p.account_id and a.kind = 'DEVELOPER_SUBSIDISED'
                        where c.developer_id = $1 and c.occurred_at >= $2 and c.occurred_at < $3""")
                .execute(Tuple.of(developerId, utc(from), utc(until)))
                .map(rows -> rows.iterator().next().getLong(0));
    }

    /** The operator's earnings in the period: a line per meter and model of requests, then one per reservation. */
    public Uni<List<StatementLine>> earnings(String operatorId, Instant from, Instant until) {
        return database.preparedQuery("""
                        select c.meter, c.model_id, count(*), sum(p.amount_nano_usd)::bigint from posting p
                        join account a on a.id = p.account_id and a.kind = 'OPERATOR_EARNINGS'
                        join charge c on c.transaction_id = p.transaction_id
                        where a.operator_id = $1 and c.usage_id is null and c.occurred_at >= $2 and c.occurred_at < $3
                        group by c.meter, c.model_id order by c.meter, c.model_id""")
                .execute(Tuple.of(operatorId, utc(from), utc(until)))
                .map(rows -> {
                    List<StatementLine> lines = new ArrayList<>();
                    for (Row row : rows) {
                        lines.add(new EarningLine(USAGE, row.getString(0), row.getString(1), row.getLong(2),
                                row.getLong(3)));
                    }
                    return lines;
                })
                .chain(lines -> reservationEarnings(operatorId, from, until).map(reservations -> {
                    lines.addAll(reservations);
                    return lines;
                }));
    }

    /** What the operator has earned and not been paid out, all time. */
    public Uni<Optional<Long>> operatorBalance(String operatorId) {
        return database.preparedQuery("""
                        select coalesce(sum(p.amount_nano_usd), 0)::bigint from account a
                        left join posting p on p.account_id = a.id
                        where a.operator_id = $1 and a.kind = 'OPERATOR_EARNINGS' group by a.id""")
                .execute(Tuple.of(operatorId))
                .map(rows -> rows.iterator().hasNext()
                        ? Optional.of(rows.iterator().next().getLong(0)) : Optional.empty());
    }

    private static OffsetDateTime utc(Instant at) {
        return at.atOffset(ZoneOffset.UTC);
    }
}
