package computepool.billing.api;

import computepool.billing.store.ReportStore;
import computepool.problems.ProblemException;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;

/**
 * What developers and operators were charged and earned: usage by day, model and meter; the entries of a
 * developer's wallets; a developer's invoice of a calendar month (UTC), a line per meter and model and one per
 * reservation, with credits for reservation hours it resold; an operator's statement of a month. Invoices are
 * computed from the charges booked, so a month's invoice is final once the month is over ({@code CLOSED}) and grows
 * while it runs ({@code OPEN}); usage that arrives late counts in the month it happened.
 */
@Path("/v1")
@Produces(MediaType.APPLICATION_JSON)
public class ReportResource {

    private static final int LONGEST_USAGE_RANGE_DAYS = 366;
    private static final int MOST_LEDGER_ENTRIES = 1000;

    public record UsageView(LocalDate from, LocalDate to, List<ReportStore.UsageDay> days) {
    }

    public record LedgerView(List<ReportStore.LedgerLine> entries) {
    }

    /**
     * @param lines             what the developer was charged: requests by meter and model (kind {@code usage}), and
     *                          reservations' GPU time (kind {@code reservation})
     * @param totalNanoUsd      the sum of the lines
     * @param subsidisedNanoUsd what subsidised credit paid of the total
     * @param paidNanoUsd       what the developer's paid money paid
     * @param credits           what the developer received for reservation hours it resold (kind {@code resale}),
     *                          paid into its paid wallet
     * @param creditedNanoUsd   the sum of the credits
     */
    public record InvoiceView(UUID developerId, YearMonth month, String status, List<ReportStore.InvoiceLine> lines,
            long totalNanoUsd, long subsidisedNanoUsd, long paidNanoUsd, List<ReportStore.ReservationSaleLine> credits,
            long creditedNanoUsd) {
    }

    /**
     * @param lines         earnings from requests by meter and model (kind {@code usage}), and from GPUs sold on the
     *                      market by reservation (kind {@code reservation})
     * @param unpaidNanoUsd everything the operator has earned and not been paid out yet, all months
     */
    public record StatementView(String operatorId, YearMonth month, String status,
            List<ReportStore.StatementLine> lines, long totalNanoUsd, long unpaidNanoUsd) {
    }

    private final JsonWebToken token;
    private final ReportStore reports;
    private final Clock clock;

    public ReportResource(JsonWebToken token, ReportStore reports, Clock clock) {
        this.token = token;
        this.reports = reports;
        this.clock = clock;
    }

    /** Days are UTC dates, both ends included; the current month when neither is given. */
    @GET
    @Path("/usage/me")
    @RolesAllowed("developer")
    public Uni<UsageView> usage(
            @QueryParam("from") @Parameter(schema = @Schema(type = SchemaType.STRING, format = "date")) String from,
            @QueryParam("to") @Parameter(schema = @Schema(type = SchemaType.STRING, format = "date")) String to) {
        LocalDate today = LocalDate.now(clock.withZone(ZoneOffset.UTC));
        LocalDate first = date(from, "from").orElse(today.withDayOfMonth(1));
        LocalDate last = date(to, "to").orElse(today);
        if (last.isBefore(first)) {
            throw new ProblemException(Response.Status.BAD_REQUEST, "to", "must not be before from");
        }
        if (ChronoUnit.DAYS.between(first, last) >= LONGEST_USAGE_RANGE_DAYS) {
            throw new ProblemException(Response.Status.BAD_REQUEST, "to",
                    "must be within " + LONGEST_USAGE_RANGE_DAYS + " days of from");
        }
        return signedIn().chain(developer -> reports.usageByDay(developer, start(first), start(last.plusDays(1))))
                .map(days -> new UsageView(first, last, days));
    }

    /** Newest first; {@code before} (an instant) pages back. */
    @GET
    @Path("/ledger/me")
    @RolesAllowed("developer")
    public Uni<LedgerView> ledger(
            @QueryParam("limit") @Parameter(schema = @Schema(type = SchemaType.INTEGER, minimum = "1",
                    maximum = "" + MOST_LEDGER_ENTRIES)) String limit,
            @QueryParam("before") @Parameter(schema = @Schema(type = SchemaType.STRING, format = "date-time"))
            String before) {
        // Read here rather than by JAX-RS, which answers a parameter it cannot convert with 404.
        int count = limit == null ? 100 : wholeNumber(limit);
        if (count < 1 || count > MOST_LEDGER_ENTRIES) {
            throw new ProblemException(Response.Status.BAD_REQUEST, "limit",
                    "must be between 1 and " + MOST_LEDGER_ENTRIES);
        }
        Optional<Instant> until = Optional.ofNullable(before).map(value -> Instants.parse(value, "before"));
        return signedIn().chain(developer -> reports.ledger(developer, until, count)).map(LedgerView::new);
    }

    @GET
    @Path("/invoices/me/{month}")
    @RolesAllowed("developer")
    public Uni<InvoiceView> myInvoice(@PathParam("month") String month) {
        YearMonth period = month(month);
        return signedIn().chain(developer -> invoice(developer, period));
    }

    @GET
    @Path("/admin/developers/{developerId}/invoices/{month}")
    @RolesAllowed("admin")
    public Uni<InvoiceView> invoice(@PathParam("developerId") String developerId, @PathParam("month") String month) {
        YearMonth period = month(month);
        UUID developer = TopUpResource.developerId(developerId);
        return reports.developerKnown(developer).chain(known -> {
            if (!known) {
                throw TopUpResource.noSuchDeveloper(developerId);
            }
            return invoice(developer, period);
        });
    }

    @GET
    @Path("/admin/operators/{operatorId}/statements/{month}")
    @RolesAllowed("admin")
    public Uni<StatementView> statement(@PathParam("operatorId") String operatorId,
            @PathParam("month") String month) {
        YearMonth period = month(month);
        return reports.operatorBalance(operatorId).chain(unpaid -> {
            if (unpaid.isEmpty()) {
                throw new ProblemException(Response.Status.NOT_FOUND, "operator " + operatorId + " has earned nothing");
            }
            return reports.earnings(operatorId, start(period.atDay(1)), start(period.plusMonths(1).atDay(1)))
                    .map(lines -> new StatementView(operatorId, period, status(period), lines,
                            lines.stream().mapToLong(ReportStore.StatementLine::earnedNanoUsd).sum(), unpaid.get()));
        });
    }

    private Uni<InvoiceView> invoice(UUID developer, YearMonth period) {
        Instant from = start(period.atDay(1));
        Instant until = start(period.plusMonths(1).atDay(1));
        return reports.invoiceLines(developer, from, until).chain(lines -> reports.paidBySubsidies(developer, from,
                until).chain(subsidised -> reports.resales(developer, from, until).map(credits -> {
                    long total = lines.stream().mapToLong(ReportStore.InvoiceLine::amountNanoUsd).sum();
                    long credited = credits.stream().mapToLong(ReportStore.ReservationSaleLine::earnedNanoUsd).sum();
                    return new InvoiceView(developer, period, status(period), lines, total, subsidised,
                            total - subsidised, credits, credited);
                })));
    }

    private Uni<UUID> signedIn() {
        return reports.developerOf(token.getSubject()).map(developer -> developer.orElseThrow(() ->
                new ProblemException(Response.Status.NOT_FOUND,
                        "no wallets yet: they open once identity-svc has created your developer profile")));
    }

    private String status(YearMonth period) {
        return YearMonth.now(clock.withZone(ZoneOffset.UTC)).isAfter(period) ? "CLOSED" : "OPEN";
    }

    private static Instant start(LocalDate day) {
        return day.atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    private static Optional<LocalDate> date(String value, String field) {
        if (value == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(LocalDate.parse(value));
        } catch (DateTimeParseException e) {
            throw new ProblemException(Response.Status.BAD_REQUEST, field, "must be a date such as 2026-11-01");
        }
    }

    private static YearMonth month(String value) {
        try {
            return YearMonth.parse(value);
        } catch (DateTimeParseException e) {
            throw new ProblemException(Response.Status.BAD_REQUEST, "month", "must be a month such as 2026-11");
        }
    }

    private static int wholeNumber(String limit) {
        try {
            return Integer.parseInt(limit);
        } catch (NumberFormatException e) {
            throw new ProblemException(Response.Status.BAD_REQUEST, "limit", "must be a whole number");
        }
    }
}
