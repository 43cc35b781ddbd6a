package computepool.problems;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * One value per query parameter, never empty: JAX-RS would silently take the first of {@code limit=&limit=%C2%A9} and
 * read {@code limit=} as no limit, so a client's mistake would be answered as if it had asked for the default. Such
 * requests are refused (400 naming the parameter) before any resource runs.
 */
public class QueryParameterRules {

    @ServerRequestFilter
    public Optional<Response> oneValueEach(ContainerRequestContext request) {
        MultivaluedMap<String, String> query = request.getUriInfo().getQueryParameters();
        Map<String, String> problems = new TreeMap<>();
        query.forEach((name, values) -> {
            if (values.size() > 1) {
                problems.put(name, "must be given once, not " + values.size() + " times");
            } else if (values.getFirst().isEmpty()) {
                problems.put(name, "must not be empty; leave the parameter out for its default");
            }
        });
        if (problems.isEmpty()) {
            return Optional.empty();
        }
        List<Problem.FieldError> errors = problems.entrySet().stream()
                .map(problem -> new Problem.FieldError(problem.getKey(), problem.getValue())).toList();
        return Optional.of(Problem.invalid(errors).toResponse());
    }
}
