package computepool.identity.api;

import computepool.identity.domain.reputation.ReputationScore;
import computepool.identity.domain.reputation.ReputationSignals;
import computepool.identity.reputation.GitHubSignals;
import computepool.identity.reputation.PassportLinking;
import computepool.identity.reputation.Rescoring;
import computepool.identity.store.ReputationScoreStore;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.jwt.JsonWebToken;
import computepool.problems.ProblemException;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;

/**
 * The signed-in developer's reputation: its score with each signal's part, the history of its scores, and the
 * Ethereum address whose Human Passport score counts, linked by signing a Sign-In with Ethereum message.
 */
@Path("/v1/reputation")
@RolesAllowed("developer")
@Produces(MediaType.APPLICATION_JSON)
public class ReputationResource {

    private static final int MOST_SCORES = 500;

    private final SignedInDeveloper signedIn;
    private final JsonWebToken token;
    private final PassportLinking passports;
    private final GitHubSignals github;
    private final Rescoring rescoring;
    private final ReputationScoreStore scores;
    private final Clock clock;

    public ReputationResource(SignedInDeveloper signedIn, JsonWebToken token, PassportLinking passports,
            GitHubSignals github, Rescoring rescoring, ReputationScoreStore scores, Clock clock) {
        this.clock = clock;
        this.signedIn = signedIn;
        this.token = token;
        this.passports = passports;
        this.github = github;
        this.rescoring = rescoring;
        this.scores = scores;
    }

    public record ChallengeRequest(@NotBlank(message = "is required")
            @Pattern(regexp = "0x[0-9a-fA-F]{40}", message = "must be 0x and 40 hexadecimal digits") String address) {
    }

    public record LinkRequest(@NotBlank(message = "is required") String message,
            @NotBlank(message = "is required") String signature) {
    }

    public record PartView(String signal, String measured, BigDecimal points, BigDecimal maxPoints) {
        static PartView of(ReputationScore.Part part) {
            return new PartView(part.signal(), part.measured(), BigDecimal.valueOf(part.pointsHundredths(), 2),
                    BigDecimal.valueOf(part.maxHundredths(), 2));
        }
    }

    public record PassportView(String address, BigDecimal score, Instant scoredAt) {
    }

    /** A score: {@code computedAt} and {@code cause} are null while none was ever recorded. */
    public record ScoreView(BigDecimal total, List<PartView> parts, @Schema(nullable = true) Instant computedAt,
            @Schema(nullable = true) String cause) {
        static ScoreView of(ReputationScore score, Instant at, String cause) {
            return new ScoreView(score.total(), score.parts().stream().map(PartView::of).toList(), at, cause);
        }
    }

    public record GitHubView(String login, Instant readAt) {
    }

    /** {@code passport} and {@code github} are null while that signal is not linked. */
    public record ReputationView(ScoreView score, @Schema(nullable = true) PassportView passport,
            @Schema(nullable = true) GitHubView github) {
    }

    public record HistoryView(List<ScoreView> scores) {
    }

    @GET
    @WithTransaction
    public Uni<ReputationView> reputation() {
        return signedIn.get().chain(developer -> view(developer.id()));
    }

    @GET
    @Path("/history")
    @WithTransaction
    public Uni<HistoryView> history(@QueryParam("limit") @Parameter(schema = @Schema(type = SchemaType.INTEGER,
            minimum = "1", maximum = "" + MOST_SCORES)) String limit) {
        // Read here rather than by JAX-RS, which answers a parameter it cannot convert with 404.
        int count = count(limit);
        return signedIn.get().chain(developer -> scores.history(developer.id(), count))
                .map(history -> new HistoryView(history.stream()
                        .map(s -> ScoreView.of(s.score(), s.computedAt(), s.cause().name())).toList()));
    }

    @APIResponse(responseCode = "201", description = "The message to sign, with its nonce and expiry",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = PassportLinking.Challenge.class)))
    @POST
    @Path("/passport/challenges")
    @Consumes(MediaType.APPLICATION_JSON)
    @WithTransaction
    public Uni<Response> challenge(@NotNull(message = "a JSON body is required") @Valid ChallengeRequest body) {
        return signedIn.get().chain(developer -> passports.challenge(developer.id(), body.address()))
                .map(challenge -> Response.status(Response.Status.CREATED).entity(challenge).build());
    }

    @APIResponse(responseCode = "200", description = "The address is linked; the reputation it makes",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ReputationView.class)))
    @APIResponse(responseCode = "409", description = "The address is another developer's, or the caller has one linked")
    @APIResponse(responseCode = "503", description = "Passport cannot score the address now; nothing was linked")
    @PUT
    @Path("/passport")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<ReputationView> link(@NotNull(message = "a JSON body is required") @Valid LinkRequest body) {
        return developerId()
                .chain(developer -> passports.link(developer, body.message(), body.signature())
                        .map(ReputationResource::viewOf));
    }

    @APIResponse(responseCode = "200", description = "The address is unlinked; the reputation left",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ReputationView.class)))
    @APIResponse(responseCode = "404", description = "The caller has no linked address")
    @DELETE
    @Path("/passport")
    public Uni<ReputationView> unlink() {
        return developerId().chain(developer -> passports.unlink(developer)
                .map(ReputationResource::viewOf));
    }

    @APIResponse(responseCode = "200", description = "The GitHub signals were read; the reputation they make",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ReputationView.class)))
    @APIResponse(responseCode = "400", description = "No GitHub account is linked, or its token lacks read:user")
    @APIResponse(responseCode = "409", description = "The GitHub account counts for another developer")
    @APIResponse(responseCode = "503", description = "GitHub or Keycloak cannot answer now; nothing changed")
    @PUT
    @Path("/github")
    public Uni<ReputationView> readGitHub() {
        String raw = token.getRawToken();
        return developerId().chain(developer -> github.read(developer, raw)
                .map(ReputationResource::viewOf));
    }

    private static int count(String limit) {
        if (limit == null) {
            return 50;
        }
        try {
            int count = Integer.parseInt(limit);
            if (count >= 1 && count <= MOST_SCORES) {
                return count;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new ProblemException(Response.Status.BAD_REQUEST, "limit", "must be a whole number from 1 to " + MOST_SCORES);
    }

    private Uni<UUID> developerId() {
        return Panache.withTransaction(signedIn::get).map(developer -> developer.id());
    }

    /** What a link, an unlink or a GitHub reading just computed, as the answer: read nothing again. */
    private static ReputationView viewOf(Rescoring.Rescored rescored) {
        // Microseconds: what PostgreSQL keeps, so the answer equals what a later read shows.
        return viewOf(rescored.signals(), ScoreView.of(rescored.score(), rescored.at().truncatedTo(ChronoUnit.MICROS),
                rescored.cause().name()));
    }

    private static ReputationView viewOf(ReputationSignals signals, ScoreView score) {
        return new ReputationView(score, signals.passport().map(p -> new PassportView(p.address(), p.score(),
                p.scoredAt())).orElse(null), signals.github().map(g -> new GitHubView(g.login(), g.readAt())).orElse(null));
    }

    private Uni<ReputationView> view(UUID developer) {
        return rescoring.signals(developer).chain(signals -> scores.latest(developer).map(latest -> {
            ScoreView score = latest.map(s -> ScoreView.of(s.score(), s.computedAt(), s.cause().name()))
                    .orElseGet(() -> ScoreView.of(ReputationScore.of(signals, clock.instant()), null, null));
            return viewOf(signals, score);
        }));
    }
}
