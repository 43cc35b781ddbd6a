package computepool.gateway.api;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ElementKind;
import jakarta.validation.Path;
import jakarta.ws.rs.core.Response;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Turns a request the OpenAI-compatible API cannot accept into an OpenAI-shaped failure. {@code param} is the JSON
 * path of the offending input as the client wrote it ({@code messages[0].role}, {@code top_p}). Nothing here echoes
 * class names or stack traces.
 */
public final class OpenAiErrors {

    private static final PropertyNamingStrategies.NamingBase JSON_NAMES = new PropertyNamingStrategies.SnakeCaseStrategy();

    private OpenAiErrors() {
    }

    /** The first violation (by parameter path) names {@code param}; the message lists them all. */
    public static OpenAiException invalid(Collection<? extends ConstraintViolation<?>> constraintViolations) {
        List<String[]> violations = constraintViolations.stream()
                .map(v -> new String[] { paramOf(v), v.getMessage() })
                .sorted(Comparator.comparing((String[] v) -> v[0]))
                .toList();
        String message = violations.stream().map(v -> "Invalid '" + v[0] + "': " + v[1])
                .collect(Collectors.joining("; "));
        String param = violations.isEmpty() ? null : violations.get(0)[0];
        return OpenAiException.invalid(param, message.isEmpty() ? "The request is invalid." : message);
    }

    public static OpenAiException unreadable(JsonProcessingException e) {
        if (e instanceof JsonParseException) {
            return OpenAiException.invalid("body", "We could not parse the JSON body of your request: it is not valid JSON.");
        }
        String param = e instanceof JsonMappingException mapping ? pathOf(mapping) : "";
        if (e instanceof UnrecognizedPropertyException) {
            return OpenAiException.invalid(param, "Unrecognized request argument supplied: " + param);
        }
        if (param.isEmpty()) {
            return OpenAiException.invalid("body", "The JSON body of your request has the wrong shape.");
        }
        return OpenAiException.invalid(param, "Invalid type for '" + param + "'.");
    }

    public static OpenAiException missingBody() {
        return OpenAiException.invalid("body", "A JSON body is required.");
    }

    public static OpenAiException tooLarge(long limitBytes) {
        return new OpenAiException(Response.Status.REQUEST_ENTITY_TOO_LARGE,
                "The request body is larger than " + limitBytes + " bytes.", OpenAiError.INVALID_REQUEST, "body",
                "request_too_large");
    }

    public static OpenAiException methodNotAllowed(String method, String path) {
        return new OpenAiException(Response.Status.METHOD_NOT_ALLOWED,
                "Method " + method + " is not allowed on " + path + ".", OpenAiError.INVALID_REQUEST, null,
                "method_not_allowed");
    }

    /** Anything unforeseen is our fault: the client learns that much and no more. */
    public static OpenAiException unexpected() {
        return new OpenAiException(Response.Status.INTERNAL_SERVER_ERROR,
                "The server had an error while processing your request.", OpenAiError.SERVER_ERROR, null, null);
    }

    private static String pathOf(JsonMappingException e) {
        return e.getPath().stream()
                .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining("."))
                .replace(".[", "[");
    }

    /** The bean path of a violation, in the JSON names of the body. */
    static String paramOf(ConstraintViolation<?> violation) {
        StringBuilder param = new StringBuilder();
        for (Path.Node node : violation.getPropertyPath()) {
            switch (node.getKind()) {
                case METHOD, RETURN_VALUE, CROSS_PARAMETER, PARAMETER -> {
                }
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
        return param.isEmpty() ? "body" : param.toString();
    }
}
