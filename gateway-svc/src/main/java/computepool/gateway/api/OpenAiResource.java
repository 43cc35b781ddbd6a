package computepool.gateway.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.ConstraintViolationException;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * The OpenAI-compatible inference API. Models are served by pipelines of shard workers that
 * market-svc registers; the gateway serves none until it reads that registry, so the model list is
 * empty and every completion names a model that does not exist.
 *
 * <p>The exception mappers declared here apply to this resource only: its errors take OpenAI's
 * shape, while the platform's other endpoints keep problem+json.
 */
@Path("/v1")
@RolesAllowed("developer")
@Produces(MediaType.APPLICATION_JSON)
public class OpenAiResource {

    private static final Logger LOG = Logger.getLogger(OpenAiResource.class);

    @GET
    @Path("/models")
    public ModelList models() {
        return ModelList.of(List.of());
    }

    @POST
    @Path("/chat/completions")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response complete(@NotNull(message = "a JSON body is required") @Valid ChatCompletionRequest body) {
        throw OpenAiException.modelNotFound(body.model());
    }

    @ServerExceptionMapper
    public Response openAi(OpenAiException e) {
        return e.toResponse();
    }

    @ServerExceptionMapper
    public Response invalid(ConstraintViolationException e) {
        return OpenAiErrors.invalid(e);
    }

    @ServerExceptionMapper
    public Response unreadable(JsonProcessingException e) {
        return OpenAiErrors.unreadable(e);
    }

    @ServerExceptionMapper({ UnauthorizedException.class, AuthenticationFailedException.class })
    public Response unauthenticated() {
        return OpenAiErrors.unauthenticated();
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e) {
        return OpenAiErrors.forbidden();
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        return OpenAiErrors.web(e);
    }

    /** Anything else is our fault: logged here, answered without details. */
    @ServerExceptionMapper
    public Response unexpected(RuntimeException e) {
        LOG.error("OpenAI-compatible request failed", e);
        return OpenAiErrors.unexpected();
    }
}
