package computepool.gateway.api;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.validation.ElementKind;
import jakarta.validation.Path;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Turns failures at the OpenAI-compatible edge into OpenAI-shaped answers. {@code param} is the
 * JSON path of the offending input as the client wrote it ({@code messages[0].role}, {@code top_p}).
 * Nothing here echoes class names or stack traces.
 */
final class OpenAiErrors {

    private static final PropertyNamingStrategies.NamingBase JSON_NAMES = new PropertyNamingStrategies.SnakeCaseStrategy();

    private OpenAiErrors() {
    }

    static Response invalid(ConstraintViolationException e) {
        List<String[]> violations = e.getConstraintViolations().stream()
                .map(v -> new String[] { paramOf(v), v.getMessage() })
                .sorted(Comparator.comparing((String[] v) -> v[0]))
                .toList();
        String message = violations.stream().map(v -> "Invalid '" + v[0] + "': " + v[1])
                .collect(Collectors.joining("; "));
        String param = violations.isEmpty() ? null : violations.get(0)[0];
        return invalidRequest(message.isEmpty() ? "The request is invalid." : message, param);
    }

    static Response unreadable(JsonProcessingException e) {
        if (e instanceof JsonParseException) {
            return invalidRequest("We could not parse the JSON body of your request: it is not valid JSON.", "body");
        }
        String param = e instanceof JsonMappingException mapping ? pathOf(mapping) : "";
        if (e instanceof UnrecognizedPropertyException) {
            return invalidRequest("Unrecognized request argument supplied: " + param, param);
        }
        if (param.isEmpty()) {
            return invalidRequest("The JSON body of your request has the wrong shape.", "body");
        }
        return invalidRequest("Invalid type for '" + param + "'.", param);
    }

    static Response unauthenticated() {
        return Response.fromResponse(OpenAiError.of(
                        "You didn't provide a valid bearer token. Send it in the Authorization header "
                                + "(Authorization: Bearer YOUR_TOKEN).",
                        OpenAiError.INVALID_REQUEST, null, "invalid_api_key")
                        .toResponse(Response.Status.UNAUTHORIZED))
                .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer")
                .build();
    }

    static Response forbidden() {
        return OpenAiError.of("Your token lacks the role this operation needs.",
                OpenAiError.INVALID_REQUEST, null, "permission_denied")
                .toResponse(Response.Status.FORBIDDEN);
    }

    static Response web(WebApplicationException e) {
        // A blocking endpoint gets a body Jackson could not read wrapped in a 400 WebApplicationException.
        if (e.getCause() instanceof JsonProcessingException cause) {
            return unreadable(cause);
        }
        Response.StatusType status = e.getResponse().getStatusInfo();
        String type = status.getFamily() == Response.Status.Family.SERVER_ERROR
                ? OpenAiError.SERVER_ERROR : OpenAiError.INVALID_REQUEST;
        return Response.status(status.getStatusCode())
                .type(MediaType.APPLICATION_JSON_TYPE)
                .entity(OpenAiError.of(status.getReasonPhrase(), type, null, null))
                .build();
    }

    static Response unexpected() {
        return OpenAiError.of("The server had an error while processing your request.",
                OpenAiError.SERVER_ERROR, null, null)
                .toResponse(Response.Status.INTERNAL_SERVER_ERROR);
    }

    private static Response invalidRequest(String message, String param) {
        return OpenAiError.of(message, OpenAiError.INVALID_REQUEST, param, "invalid_value")
                .toResponse(Response.Status.BAD_REQUEST);
    }

    private static String pathOf(JsonMappingException e) {
        return e.getPath().stream()
                .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining("."))
                .replace(".[", "[");
    }

    /** The bean path below the resource method's parameter, in the JSON names of the body. */
    static String paramOf(ConstraintViolation<?> violation) {
        StringBuilder param = new StringBuilder();
        String parameter = null;
        for (Path.Node node : violation.getPropertyPath()) {
            switch (node.getKind()) {
                case METHOD, RETURN_VALUE, CROSS_PARAMETER -> {
                }
                case PARAMETER -> parameter = node.getName();
                default -> {
                    if (node.getIndex() != null) {
                        param.append('[').append(node.getIndex()).append(']');
                    }
                    // Container elements (a list's items) have a synthetic name such as <list element>.
                    if (node.getKind() != ElementKind.CONTAINER_ELEMENT && node.getName() != null) {
                        if (!param.isEmpty()) {
                            param.append('.');
                        }
                        param.append(JSON_NAMES.translate(node.getName()));
                    }
                }
            }
        }
        if (!param.isEmpty()) {
            return param.toString();
        }
        return parameter != null ? parameter : "body";
    }
}
