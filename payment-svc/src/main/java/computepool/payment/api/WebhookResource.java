package computepool.payment.api;

import computepool.payment.domain.PaymentEvent;
import computepool.payment.domain.SigningSecret;
import computepool.payment.domain.Webhook;
import computepool.payment.domain.WebhookUrl;
import computepool.payment.store.WebhookStore;
import computepool.payment.webhooks.WebhookTargets;
import computepool.problems.ProblemException;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
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
import java.security.SecureRandom;
import java.time.Clock;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.resteasy.reactive.RestResponse;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/**
 * The signed-in user's webhook endpoints for payment events. The signing secret is generated here
 * and shown once, in the answer to the registration; it is kept only to sign the events sent later.
 * An endpoint is registered only where its host resolves to public addresses ({@link WebhookTargets}).
 */
@Path("/v1/webhooks")
@RolesAllowed("developer")
@Produces(MediaType.APPLICATION_JSON)
public class WebhookResource {

    private final JsonWebToken token;
    private final WebhookStore webhooks;
    private final WebhookTargets targets;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    public WebhookResource(JsonWebToken token, WebhookStore webhooks, WebhookTargets targets, Clock clock) {
        this.token = token;
        this.webhooks = webhooks;
        this.targets = targets;
        this.clock = clock;
    }

    @APIResponse(responseCode = "201", description = "The endpoint, registered, with its signing secret shown this once", content = @Content(mediaType = "application/json",
            schema = @Schema(implementation = CreatedWebhookView.class)))
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<RestResponse<CreatedWebhookView>> register(
            @NotNull(message = "a JSON body is required") @Valid RegisterWebhookRequest body) {
        WebhookUrl url = url(body.url());
        Set<PaymentEvent> events = events(body.events());
        String owner = token.getSubject();
        // Resolving may wait on DNS, so it runs on a worker; the transaction then starts back on this request's
        // Vert.x context, where Hibernate Reactive must run.
        Context request = Vertx.currentContext();
        return Uni.createFrom().item(() -> checked(url))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .emitOn(task -> request.runOnContext(ignored -> task.run()))
                .chain(checked -> Panache.withTransaction(() -> webhooks.insert(
                        Webhook.register(owner, url, events, SigningSecret.generate(random), clock.instant()))))
                .map(stored -> RestResponse.ResponseBuilder.<CreatedWebhookView>created(URI.create("/v1/webhooks/" + stored.id()))
                        .entity(CreatedWebhookView.of(stored))
                        .build());
    }

    @GET
    @WithSession
    public Uni<List<WebhookView>> list() {
        return webhooks.ofOwner(token.getSubject())
                .map(found -> found.stream().map(WebhookView::of).toList());
    }

    @DELETE
    @Path("/{id}")
    @WithTransaction
    public Uni<Void> delete(@PathParam("id") UUID id) {
        return webhooks.deleteOfOwner(id, token.getSubject())
                .invoke(deleted -> {
                    if (!deleted) {
                        throw new ProblemException(Response.Status.NOT_FOUND, "no webhook " + id);
                    }
                })
                .replaceWithVoid();
    }

    private static WebhookUrl url(String text) {
        try {
            return WebhookUrl.parse(text);
        } catch (IllegalArgumentException e) {
            throw new ProblemException(Response.Status.BAD_REQUEST, "url", e.getMessage());
        }
    }

    /** The URL's host resolved and its every address public (or the host allowed), or a 400 saying why not. */
    private WebhookTargets.Checked checked(WebhookUrl url) {
        try {
            return targets.check(url);
        } catch (WebhookTargets.Refused e) {
            throw new ProblemException(Response.Status.BAD_REQUEST, "url", e.getMessage());
        }
    }

    private static Set<PaymentEvent> events(List<String> names) {
        Set<PaymentEvent> events = EnumSet.noneOf(PaymentEvent.class);
        for (int i = 0; i < names.size(); i++) {
            String field = "events[" + i + "]";
            events.add(PaymentEvent.named(names.get(i))
                    .orElseThrow(() -> new ProblemException(Response.Status.BAD_REQUEST, field, PaymentEvent.MUST_BE_KNOWN)));
        }
        return events;
    }
}
