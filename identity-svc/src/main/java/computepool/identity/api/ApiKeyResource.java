package computepool.identity.api;

import computepool.identity.domain.ApiKey;
import computepool.identity.domain.ApiKeyScope;
import computepool.identity.domain.ApiKeySecret;
import computepool.identity.domain.SecretHasher;
import computepool.identity.store.ApiKeyStore;
import computepool.problems.ProblemException;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/**
 * The signed-in developer's API keys: create (the secret is in the answer, once), list, revoke. A gateway stops
 * accepting a revoked key once its short verification cache expires.
 */
@Path("/v1/api-keys")
@RolesAllowed("developer")
@Produces(MediaType.APPLICATION_JSON)
public class ApiKeyResource {

    private static final List<ApiKeyScope> DEFAULT_SCOPES = List.of(ApiKeyScope.INFERENCE);

    private final SignedInDeveloper signedIn;
    private final ApiKeyStore keys;
    private final SecretHasher hasher;
    private final Clock clock;

    public ApiKeyResource(SignedInDeveloper signedIn, ApiKeyStore keys, SecretHasher hasher, Clock clock) {
        this.signedIn = signedIn;
        this.keys = keys;
        this.hasher = hasher;
        this.clock = clock;
    }

    @APIResponse(responseCode = "201", description = "The key, with its secret shown this once", content = @Content(mediaType = "application/json",
            schema = @Schema(implementation = CreatedApiKeyView.class)))
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @WithTransaction
    public Uni<Response> create(@NotNull(message = "a JSON body is required") @Valid CreateApiKeyRequest body) {
        // Microseconds: what PostgreSQL keeps, so the answer equals what a later listing shows.
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        List<ApiKeyScope> scopes = scopes(body.scopes());
        Optional<Instant> expiresAt = Optional.ofNullable(body.expiresAt()).map(at -> at.truncatedTo(ChronoUnit.MICROS));
        if (expiresAt.isPresent() && !expiresAt.get().isAfter(now)) {
            throw new ProblemException(Response.Status.BAD_REQUEST, "expiresAt",
                    "must be in the future, is " + body.expiresAt());
        }
        ApiKeySecret secret = ApiKeySecret.generate();
        return signedIn.get()
                .map(developer -> new ApiKey(UUID.randomUUID(), developer.id(), body.name().strip(), secret.prefix(),
                        scopes, now, expiresAt, Optional.empty(), Optional.empty()))
                .chain(key -> keys.insert(key, hasher.hash(secret.value())))
                .map(created -> Response.created(URI.create("/v1/api-keys/" + created.id()))
                        .entity(new CreatedApiKeyView(ApiKeyView.of(created, now), secret.value()))
                        .build());
    }

    @GET
    @WithTransaction
    public Uni<ApiKeyList> list() {
        Instant now = clock.instant();
        return signedIn.get()
                .chain(developer -> keys.ofDeveloper(developer.id()))
                .map(found -> new ApiKeyList(found.stream().map(key -> ApiKeyView.of(key, now)).toList()));
    }

    @GET
    @Path("/{id}")
    @WithTransaction
    public Uni<ApiKeyView> get(@PathParam("id") String id) {
        UUID keyId = keyId(id);
        Instant now = clock.instant();
        return signedIn.get()
                .chain(developer -> keys.ofDeveloper(developer.id(), keyId))
                .map(found -> ApiKeyView.of(found.orElseThrow(() -> noSuchKey(id)), now));
    }

    /** Revokes the key; revoking a revoked key changes nothing and succeeds, so a retried call is harmless. */
    @DELETE
    @Path("/{id}")
    @WithTransaction
    public Uni<ApiKeyView> revoke(@PathParam("id") String id) {
        UUID keyId = keyId(id);
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        return signedIn.get()
                .chain(developer -> keys.ofDeveloper(developer.id(), keyId))
                .chain(found -> keys.revoke(found.orElseThrow(() -> noSuchKey(id)).id(), now))
                .map(revoked -> ApiKeyView.of(revoked, now));
    }

    private static List<ApiKeyScope> scopes(List<String> requested) {
        if (requested == null) {
            return DEFAULT_SCOPES;
        }
        LinkedHashSet<ApiKeyScope> scopes = new LinkedHashSet<>();
        for (String name : requested) {
            scopes.add(ApiKeyScope.fromWireName(name).orElseThrow(() -> new ProblemException(
                    Response.Status.BAD_REQUEST, "scopes",
                    "unknown scope '" + name + "'; known scopes are " + ApiKeyScope.wireNames())));
        }
        return List.copyOf(scopes);
    }

    private static UUID keyId(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw noSuchKey(id);
        }
    }

    private static ProblemException noSuchKey(String id) {
        return new ProblemException(Response.Status.NOT_FOUND, "you hold no API key " + id);
    }
}
