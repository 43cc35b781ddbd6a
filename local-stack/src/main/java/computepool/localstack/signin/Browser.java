package computepool.localstack.signin;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpCookie;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;

/**
 * A browser without a screen for sign-in tests: keeps cookies, follows redirects one by one, reads pages as HTML and
 * submits their forms as a person would (every field the form holds, with the ones given changed). Navigation stops
 * at a redirect to an address {@code arrival} accepts — the application's callback, which nothing listens on — and
 * reports that address instead of loading it. Loopback only: it refuses to go anywhere else, and, as browsers treat
 * loopback as a secure origin, it sends {@code Secure} cookies over plain HTTP there (Keycloak marks its own so; the
 * JDK's cookie manager would drop them).
 */
public final class Browser {

    private static final int MAX_REDIRECTS = 20;

    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final Predicate<URI> arrival;
    /** By path then name: every address here is loopback, and cookies do not tell ports apart. */
    private final Map<String, Cookie> cookies = new LinkedHashMap<>();

    private record Cookie(String name, String value, String path, Instant expires) {
    }

    public Browser(Predicate<URI> arrival) {
        this.arrival = arrival;
    }

    /** What a navigation ended on: a page, or an arrival at the callback. */
    public record Page(URI uri, int status, Document document, Optional<URI> arrived) {

        /** The first form matching a CSS selector, e.g. {@code #kc-form-login}. */
        public Element form(String selector) {
            Element form = document.selectFirst(selector);
            if (form == null || !form.normalName().equals("form")) {
                throw new AssertionError("no form " + selector + " on " + uri + " (status " + status + "): "
                        + document.title() + "\n" + document.body().text());
            }
            return form;
        }

        /** The target of the first link matching a CSS selector, e.g. {@code #social-github}. */
        public URI link(String selector) {
            Element link = document.selectFirst(selector);
            if (link == null || !link.hasAttr("href")) {
                throw new AssertionError("no link " + selector + " on " + uri + " (status " + status + "): "
                        + document.title() + "\n" + document.body().text());
            }
            return uri.resolve(link.attr("href"));
        }

        public String text() {
            return document.text();
        }

        public URI arrival() {
            return arrived.orElseThrow(() -> new AssertionError("ended on " + uri + " (status " + status + "), not"
                    + " at the callback: " + document.title() + "\n" + document.body().text()));
        }
    }

    public Page open(URI uri) {
        return follow(HttpRequest.newBuilder(uri).GET(), uri);
    }

    /**
     * Submits {@code form} with its fields' values, {@code changes} replacing or adding some; a submit button is
     * pressed by naming it in {@code changes}.
     */
    public Page submit(Page page, Element form, Map<String, String> changes) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (Element input : form.select("input, select, textarea")) {
            String name = input.attr("name");
            String type = input.attr("type").toLowerCase();
            if (name.isEmpty() || type.equals("submit") || type.equals("button")
                    || ((type.equals("checkbox") || type.equals("radio")) && !input.hasAttr("checked"))) {
                continue;
            }
            fields.put(name, input.normalName().equals("textarea") ? input.text() : input.val());
        }
        fields.putAll(changes);
        URI action = form.hasAttr("action") && !form.attr("action").isEmpty()
                ? page.uri().resolve(form.attr("action")) : page.uri();
        String body = fields.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        if (form.attr("method").equalsIgnoreCase("get")) {
            URI target = URI.create(action.toString().replaceAll("\\?.*$", "") + "?" + body);
            return open(target);
        }
        return follow(HttpRequest.newBuilder(action).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body)), action);
    }

    private Page follow(HttpRequest.Builder first, URI uri) {
        HttpRequest.Builder request = first;
        URI at = uri;
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            requireLoopback(at);
            HttpRequest.Builder withCookies = request;
            cookieHeader(at).ifPresent(value -> withCookies.header("Cookie", value));
            HttpResponse<String> response = send(withCookies.timeout(Duration.ofSeconds(30)).build());
            keep(at, response.headers().allValues("Set-Cookie"));
            Optional<String> location = response.headers().firstValue("Location");
            if (response.statusCode() / 100 == 3 && location.isPresent()) {
                URI next = at.resolve(location.get());
                if (arrival.test(next)) {
                    return new Page(next, response.statusCode(), Jsoup.parse(""), Optional.of(next));
                }
                at = next;
                request = HttpRequest.newBuilder(next).GET();
                continue;
            }
            return new Page(at, response.statusCode(), Jsoup.parse(response.body(), at.toString()), Optional.empty());
        }
        throw new AssertionError("more than " + MAX_REDIRECTS + " redirects from " + uri);
    }

    private synchronized Optional<String> cookieHeader(URI uri) {
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        Instant now = Instant.now();
        String header = cookies.values().stream()
                .filter(cookie -> cookie.expires().isAfter(now))
                .filter(cookie -> path.startsWith(cookie.path()) || (path + "/").equals(cookie.path()))
                .map(cookie -> cookie.name() + "=" + cookie.value())
                .collect(Collectors.joining("; "));
        return header.isEmpty() ? Optional.empty() : Optional.of(header);
    }

    private synchronized void keep(URI uri, List<String> setCookies) {
        for (String header : setCookies) {
            for (HttpCookie cookie : HttpCookie.parse(header)) {
                String path = cookie.getPath() == null ? defaultPath(uri) : cookie.getPath();
                String key = path + " " + cookie.getName();
                long maxAge = cookie.getMaxAge();
                if (maxAge == 0) {
                    cookies.remove(key);
                    continue;
                }
                Instant expires = maxAge < 0 ? Instant.MAX : Instant.now().plusSeconds(maxAge);
                cookies.put(key, new Cookie(cookie.getName(), cookie.getValue(), path, expires));
            }
        }
    }

    private static String defaultPath(URI uri) {
        String path = uri.getRawPath();
        int slash = path == null ? -1 : path.lastIndexOf('/');
        return slash <= 0 ? "/" : path.substring(0, slash);
    }

    private static void requireLoopback(URI uri) {
        String host = uri.getHost();
        if (host == null || !(host.equals("127.0.0.1") || host.equals("localhost") || host.equals("[::1]"))) {
            throw new IllegalStateException("a sign-in test may only go to loopback, not to " + uri);
        }
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load " + request.uri(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted loading " + request.uri(), e);
        }
    }
}
