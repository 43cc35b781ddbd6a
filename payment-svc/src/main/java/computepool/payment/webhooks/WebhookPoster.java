package computepool.payment.webhooks;

import computepool.payment.domain.WebhookUrl;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.ProxyOptions;
import io.vertx.core.net.ProxyType;
import io.vertx.core.net.SocketAddress;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.UnknownHostException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Sends one delivery over a connection to the address its target was checked at, never to a name: the URL's host
 * is only the Host header, the TLS server name (SNI) and the name the certificate must match. When the JVM has an
 * HTTPS proxy (an egress proxy; {@code https.proxyHost}), the connection is tunnelled to that same address.
 */
@ApplicationScoped
public class WebhookPoster {

    private final Vertx vertx;
    private final long timeoutMillis;
    /** SNI is sent for every host name, even one without a dot, for which the JDK would leave it out. */
    private final HttpClient toNames;
    /** No SNI for an IP literal: it is not a server name (RFC 6066), and the JDK refuses an IPv6 one as such. */
    private final HttpClient toLiterals;

    public WebhookPoster(Vertx vertx, WebhookConfig config) {
        this.vertx = vertx;
        this.timeoutMillis = config.timeout().toMillis();
        this.toNames = vertx.createHttpClient(options(config).setForceSni(true));
        this.toLiterals = vertx.createHttpClient(options(config));
    }

    /**
     * No pooled connections: each delivery dials the address just checked for it. The pool may hold one connection per
     * owner running, so no owner waits for a connection another's endpoint keeps busy.
     */
    private static HttpClientOptions options(WebhookConfig config) {
        return new HttpClientOptions()
                .setKeepAlive(false)
                .setVerifyHost(true)
                .setMaxPoolSize(config.maxConcurrentOwners())
                .setConnectTimeout((int) config.timeout().toMillis());
    }

    @PreDestroy
    void close() {
        toNames.close();
        toLiterals.close();
    }

    /**
     * POSTs the body with the headers and answers the endpoint's status. Blocks the calling thread until the endpoint
     * has answered, or for at most the timeout.
     *
     * @throws IOException when the endpoint cannot be reached or does not answer in time
     */
    public int post(WebhookTargets.Checked target, Map<String, String> headers, byte[] body)
            throws IOException, InterruptedException {
        WebhookUrl url = target.url();
        RequestOptions request = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setServer(SocketAddress.inetSocketAddress(new InetSocketAddress(target.address(), url.port())))
                .setHost(url.host())
                .setPort(url.port())
                .setSsl(url.https())
                .setURI(url.requestTarget())
                .setFollowRedirects(false)
                .setConnectTimeout(timeoutMillis)
                .setIdleTimeout(timeoutMillis)
                .putHeader("Host", url.authority());
        headers.forEach(request::putHeader);
        httpsProxy(url).ifPresent(request::setProxyOptions);
        HttpClient http = isLiteral(url) ? toLiterals : toNames;

        // The idle timeout alone would let an endpoint that trickles its answer hold the delivery for ever.
        Promise<Integer> status = Promise.promise();
        long deadline = vertx.setTimer(timeoutMillis,
                id -> status.tryFail(new TimeoutException("no answer in " + timeoutMillis + " ms")));
        http.request(request)
                .onSuccess(sent -> status.future().onFailure(e -> sent.reset(0, e)))
                .compose(sent -> sent.send(Buffer.buffer(body)))
                .compose(response -> response.end().map(done -> response.statusCode()))
                .onComplete(answered -> {
                    vertx.cancelTimer(deadline);
                    if (answered.succeeded()) {
                        status.tryComplete(answered.result());
                    } else {
                        status.tryFail(answered.cause());
                    }
                });
        try {
            return status.future().toCompletionStage().toCompletableFuture()
                    .get(timeoutMillis + 1_000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IOException(e.getCause().toString(), e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("no answer in " + timeoutMillis + " ms", e);
        }
    }

    private static boolean isLiteral(WebhookUrl url) {
        try {
            return IpLiteral.parse(url.host()).isPresent();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** Plain http goes only to this machine (WebhookUrl), never through a proxy that would resolve the name again. */
    private static Optional<ProxyOptions> httpsProxy(WebhookUrl url) {
        if (!url.https()) {
            return Optional.empty();
        }
        for (Proxy proxy : ProxySelector.getDefault().select(url.value())) {
            if (proxy.type() == Proxy.Type.HTTP && proxy.address() instanceof InetSocketAddress address) {
                return Optional.of(new ProxyOptions().setType(ProxyType.HTTP).setHost(address.getHostString())
                        .setPort(address.getPort()));
            }
        }
        return Optional.empty();
    }
}
