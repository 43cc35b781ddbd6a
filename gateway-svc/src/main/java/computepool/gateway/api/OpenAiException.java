package computepool.gateway.api;

import jakarta.ws.rs.core.Response;

/** A failure of the OpenAI-compatible API that the client should see as it is, in OpenAI's shape. */
public class OpenAiException extends RuntimeException {

    private final Response.Status status;
    private final transient OpenAiError error;

    public OpenAiException(Response.Status status, String message, String type, String param, String code) {
        super(message);
        this.status = status;
        this.error = OpenAiError.of(message, type, param, code);
    }

    public static OpenAiException modelNotFound(String model) {
        return new OpenAiException(Response.Status.NOT_FOUND, "The model '" + model + "' does not exist",
                OpenAiError.INVALID_REQUEST, "model", "model_not_found");
    }

    public static OpenAiException unauthenticated(String message) {
        return new OpenAiException(Response.Status.UNAUTHORIZED, message, OpenAiError.INVALID_REQUEST, null,
                "invalid_api_key");
    }

    public static OpenAiException invalid(String param, String message) {
        return new OpenAiException(Response.Status.BAD_REQUEST, message, OpenAiError.INVALID_REQUEST, param,
                "invalid_value");
    }

    public Response.Status status() {
        return status;
    }

    public OpenAiError error() {
        return error;
    }

    public Response toResponse() {
        return error.toResponse(status);
    }
}
