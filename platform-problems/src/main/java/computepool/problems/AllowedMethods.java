package computepool.problems;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.spi.Bean;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * The HTTP methods each path of the service's REST resources takes, read once from their annotations: a 405 says in
 * {@code Allow} which ones to use (RFC 9110), which Quarkus REST leaves out, and {@code OPTIONS} answers with exactly
 * these (Quarkus REST's own answer lists every method of the resource class, whatever the path).
 */
@ApplicationScoped
public class AllowedMethods {

    /** @param literals characters outside templates: as in JAX-RS, a path's most literal routes win */
    private record Route(Pattern path, String method, int literals) {
    }

    private final BeanManager beans;
    private volatile List<Route> routes;

    public AllowedMethods(BeanManager beans) {
        this.beans = beans;
    }

    /** {@code OPTIONS} on a known path: 200 with the path's own methods, HEAD and OPTIONS. */
    @ServerRequestFilter(preMatching = true)
    public Optional<Response> options(ContainerRequestContext request) {
        if (!HttpMethod.OPTIONS.equals(request.getMethod())) {
            return Optional.empty();
        }
        Set<String> allowed = of(request.getUriInfo().getPath());
        if (allowed.isEmpty()) {
            return Optional.empty();
        }
        Set<String> answered = new TreeSet<>(allowed);
        answered.add(HttpMethod.OPTIONS);
        if (allowed.contains(HttpMethod.GET)) {
            answered.add(HttpMethod.HEAD);
        }
        return Optional.of(Response.ok().header(HttpHeaders.ALLOW, String.join(", ", answered)).build());
    }

    /** The methods that {@code path} (the request's path, from the root) takes; empty when no resource has it. */
    public Set<String> of(String path) {
        String rooted = path.startsWith("/") ? path : "/" + path;
        String normalized = rooted.length() > 1 && rooted.endsWith("/") ? rooted.substring(0, rooted.length() - 1)
                : rooted;
        Set<String> allowed = new TreeSet<>();
        int mostLiteral = -1;
        for (Route route : routes()) {
            if (!route.path().matcher(normalized).matches() || route.literals() < mostLiteral) {
                continue;
            }
            if (route.literals() > mostLiteral) {
                allowed.clear();
                mostLiteral = route.literals();
            }
            allowed.add(route.method());
        }
        return allowed;
    }

    private List<Route> routes() {
        List<Route> known = routes;
        if (known == null) {
            known = scan();
            routes = known;
        }
        return known;
    }

    private List<Route> scan() {
        List<Route> found = new ArrayList<>();
        for (Bean<?> bean : beans.getBeans(Object.class, Any.Literal.INSTANCE)) {
            Class<?> type = bean.getBeanClass();
            Path root = type.getAnnotation(Path.class);
            if (root == null) {
                continue;
            }
            for (Method method : type.getMethods()) {
                String verb = httpMethod(method);
                if (verb == null) {
                    continue;
                }
                Path sub = method.getAnnotation(Path.class);
                String path = root.value() + (sub == null ? "" : "/" + sub.value());
                found.add(new Route(template(path), verb, literals(path)));
            }
        }
        return List.copyOf(found);
    }

    private static String httpMethod(Method method) {
        for (Annotation annotation : method.getAnnotations()) {
            HttpMethod verb = annotation.annotationType().getAnnotation(HttpMethod.class);
            if (verb != null) {
                return verb.value();
            }
        }
        return null;
    }

    /** How many characters of the path are not templates nor slashes. */
    static int literals(String path) {
        return template(path).pattern().replace("[^/]+", "").replace("\\Q", "").replace("\\E", "")
                .replace("/", "").length();
    }

    /** {@code /v1/nodes/{id}} as a pattern: each {@code {name}} or {@code {name: regex}} one path segment. */
    static Pattern template(String path) {
        String joined = ("/" + path).replaceAll("/+", "/");
        if (joined.length() > 1 && joined.endsWith("/")) {
            joined = joined.substring(0, joined.length() - 1);
        }
        StringBuilder regex = new StringBuilder();
        int at = 0;
        while (at < joined.length()) {
            int open = joined.indexOf('{', at);
            if (open < 0) {
                regex.append(Pattern.quote(joined.substring(at)));
                break;
            }
            regex.append(Pattern.quote(joined.substring(at, open)));
            // A template's own regex may hold braces ({id: [0-9a-f-]{36}}): its end is the brace that balances.
            int depth = 0;
            int close = open;
            do {
                char c = joined.charAt(close++);
                depth += c == '{' ? 1 : c == '}' ? -1 : 0;
            } while (depth > 0 && close < joined.length());
            regex.append("[^/]+");
            at = close;
        }
        return Pattern.compile(regex.toString());
    }
}
