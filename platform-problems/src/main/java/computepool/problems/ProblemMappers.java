package computepool.problems;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.validation.ElementKind;
import jakarta.validation.Path;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * The few targeted mappers that turn failures at the REST edge into problem+json. None of them
 * echoes exception class names or stack traces to the client.
 */
public class ProblemMappers {

    private final AllowedMethods allowedMethods;

    public ProblemMappers(AllowedMethods allowedMethods) {
        this.allowedMethods = allowedMethods;
    }

    @ServerExceptionMapper
    public Response invalidBean(ConstraintViolationException e) {
        List<Problem.FieldError> errors = e.getConstraintViolations().stream()
                .map(v -> new Problem.FieldError(fieldOf(v), v.getMessage()))
                .sorted(Comparator.comparing(Problem.FieldError::field))
                .toList();
        return Problem.invalid(errors).toResponse();
    }

    // Each Jackson type is named: JAX-RS picks the mapper nearest to the thrown class, and Quarkus
    // ships its own for some of them.
    @ServerExceptionMapper({ JsonProcessingException.class, JsonParseException.class, JsonMappingException.class,
            MismatchedInputException.class, InvalidFormatException.class, UnrecognizedPropertyException.class })
    public Response unreadableJson(JsonProcessingException e) {
        String field = e instanceof JsonMappingException mapping ? pathOf(mapping) : "";
        String detail;
        if (e instanceof UnrecognizedPropertyException unknown) {
            field = pathOf(unknown);
            detail = "unknown field";
        } else if (e instanceof JsonParseException) {
            detail = "the body is not valid JSON";
        } else {
            detail = "has the wrong type or format";
        }
        return Problem.invalid(List.of(new Problem.FieldError(field.isEmpty() ? "body" : field, detail)))
                .toResponse();
    }

    @ServerExceptionMapper
    public Response businessRule(ProblemException e) {
        return e.problem().toResponse();
    }

    @ServerExceptionMapper({ UnauthorizedException.class, AuthenticationFailedException.class })
    public Response unauthenticated() {
        return Response.fromResponse(Problem.of(Response.Status.UNAUTHORIZED,
                "a valid bearer token is required").toResponse())
                .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer")
                .build();
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e) {
        return Problem.of(Response.Status.FORBIDDEN, "the token lacks the role this operation needs")
                .toResponse();
    }

    @ServerExceptionMapper
    public Response webApplication(WebApplicationException e, UriInfo uri) {
        // Quarkus REST reports a body it could not read as a 400 wrapping Jackson's exception.
        if (e.getCause() instanceof JsonProcessingException unreadable) {
            return unreadableJson(unreadable);
        }
        Response.StatusType status = e.getResponse().getStatusInfo();
        String detail = e.getMessage() == null || e.getMessage().startsWith("HTTP ")
                ? status.getReasonPhrase() : e.getMessage();
        Response problem = new Problem("about:blank", status.getReasonPhrase(), status.getStatusCode(), detail,
                List.of()).toResponse();
        // The headers that tell a client what to do next (Allow on a 405, Retry-After, WWW-Authenticate) stay.
        Response.ResponseBuilder answer = Response.fromResponse(problem);
        for (String header : KEPT_HEADERS) {
            Object value = e.getResponse().getHeaders().getFirst(header);
            if (value != null) {
                answer.header(header, value);
            }
        }
        if (status.getStatusCode() == 405 && e.getResponse().getHeaderString(HttpHeaders.ALLOW) == null) {
            Set<String> allowed = allowedMethods.of(uri.getPath());
            if (!allowed.isEmpty()) {
                answer.header(HttpHeaders.ALLOW, String.join(", ", allowed));
            }
        }
        return answer.build();
    }

    private static final List<String> KEPT_HEADERS = List.of(HttpHeaders.ALLOW, HttpHeaders.RETRY_AFTER,
            HttpHeaders.WWW_AUTHENTICATE);

    private static String pathOf(JsonMappingException e) {
        return e.getPath().stream()
                .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining("."))
                .replace(".[", "[");
    }

    /** The bean path below the resource method's parameter: {@code displayName}, not {@code update.body.displayName}. */
    private static String fieldOf(ConstraintViolation<?> violation) {
        StringBuilder field = new StringBuilder();
        String parameter = null;
        for (Path.Node node : violation.getPropertyPath()) {
            if (node.getKind() == ElementKind.METHOD) {
                continue;
            }
            if (node.getKind() == ElementKind.PARAMETER) {
                parameter = node.getName();
                continue;
            }
            if (node.getIndex() != null) {
                field.append('[').append(node.getIndex()).append(']');
            }
            // A constraint on a collection's element (List<@NotBlank String>) names the element by its index alone.
            if (node.getName() != null && node.getKind() != ElementKind.CONTAINER_ELEMENT) {
                if (!field.isEmpty()) {
                    field.append('.');
                }
                field.append(node.getName());
            }
        }
        if (!field.isEmpty()) {
            return field.toString();
        }
        return parameter != null ? parameter : "body";
    }
}
