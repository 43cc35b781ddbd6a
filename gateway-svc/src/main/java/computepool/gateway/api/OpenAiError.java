package computepool.gateway.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * An error of the OpenAI-compatible API, in OpenAI's shape, so that OpenAI client libraries raise
 * their usual exceptions: {@code {"error": {"message", "type", "param", "code"}}}.
 */
public record OpenAiError(Detail error) {

    public static final String INVALID_REQUEST = "invalid_request_error";
    public static final String SERVER_ERROR = "server_error";

    /** {@code param} and {@code code} are null when they do not apply, and present all the same, as OpenAI sends them. */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Detail(String message, String type, String param, String code) {
    }

    public static OpenAiError of(String message, String type, String param, String code) {
        return new OpenAiError(new Detail(message, type, param, code));
    }

    public Response toResponse(Response.Status status) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(this).build();
    }
}
