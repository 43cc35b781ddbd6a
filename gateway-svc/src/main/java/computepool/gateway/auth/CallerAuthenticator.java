package computepool.gateway.auth;

import computepool.gateway.api.OpenAiError;
import computepool.gateway.api.OpenAiException;
import computepool.gateway.config.GatewayConfig;
import computepool.identity.v1.VerifyKeyResponse;
import io.quarkus.oidc.AccessTokenCredential;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.TokenAuthenticationRequest;
import io.quarkus.vertx.http.runtime.security.HttpSecurityUtils;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;
import java.time.Clock;
import java.time.Instant;
import java.util.Locale;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.logging.Logger;

/**
 * Authenticates a call of the OpenAI-compatible API from its {@code Authorization: Bearer} header: a ComputePool API
 * key ({@code cp_...}, verified by identity-svc) or a Keycloak access token (validated here, by quarkus-oidc) of a
 * user with the {@code developer} role. A key must carry the {@code inference} scope. A key carries its developer's
 * limits from identity-svc; a token gets the gateway's {@code computepool.gateway.token-rate-limits}.
 */
@ApplicationScoped
public class CallerAuthenticator {

    private static final Logger LOG = Logger.getLogger(CallerAuthenticator.class);
    static final String INFERENCE_SCOPE = "inference";
    private static final String KEY_MARKER = "cp_";
    private static final String BEARER = "bearer ";

    private final KeyVerifier keys;
    private final IdentityProviderManager identities;
    private final Clock clock;
    private final Caller.Limits tokenLimits;

    public CallerAuthenticator(KeyVerifier keys, IdentityProviderManager identities, Clock clock,
            GatewayConfig config) {
        this.keys = keys;
        this.identities = identities;
        this.clock = clock;
        this.tokenLimits = new Caller.Limits(config.tokenRateLimits().requestsPerMinute(),
                config.tokenRateLimits().tokensPerMinute());
    }

    public Uni<Caller> authenticate(RoutingContext context) {
        String header = context.request().getHeader("Authorization");
        if (header == null || header.isBlank()) {
            return Uni.createFrom().failure(OpenAiException.unauthenticated(
                    "You didn't provide an API key. Send it in the Authorization header "
                            + "(Authorization: Bearer YOUR_KEY)."));
        }
        if (!header.toLowerCase(Locale.ROOT).startsWith(BEARER)) {
            return Uni.createFrom().failure(OpenAiException.unauthenticated(
                    "The Authorization header must be 'Bearer YOUR_KEY'."));
        }
        String credential = header.substring(BEARER.length()).strip();
        if (credential.startsWith(KEY_MARKER)) {
            return keys.verify(credential)
                    .onFailure(failure -> !(failure instanceof OpenAiException)).transform(failure -> {
                        LOG.warnf(failure, "identity-svc could not verify an API key");
                        return new OpenAiException(Response.Status.SERVICE_UNAVAILABLE,
                                "API keys cannot be verified right now; retry the request.", OpenAiError.SERVER_ERROR,
                                null, "identity_unavailable");
                    })
                    .map(answer -> caller(credential, answer));
        }
        return accessToken(context, credential);
    }

    private Caller caller(String secret, VerifyKeyResponse answer) {
        String shown = secret.length() > 11 ? secret.substring(0, 11) + "…" : secret;
        boolean expiredMeanwhile = answer.hasExpiresAt() && !clock.instant().isBefore(
                Instant.ofEpochSecond(answer.getExpiresAt().getSeconds(), answer.getExpiresAt().getNanos()));
        if (!answer.getValid() || expiredMeanwhile) {
            String why = switch (answer.getRejection()) {
                case KEY_REJECTION_REVOKED -> "has been revoked";
                case KEY_REJECTION_EXPIRED -> "has expired";
                default -> expiredMeanwhile ? "has expired" : "is not a valid key";
            };
            throw OpenAiException.unauthenticated("Incorrect API key provided: " + shown + " " + why + ".");
        }
        if (!answer.getScopesList().contains(INFERENCE_SCOPE)) {
            throw new OpenAiException(Response.Status.FORBIDDEN, "The API key " + shown
                    + " lacks the 'inference' scope this API needs.", OpenAiError.INVALID_REQUEST, null,
                    "permission_denied");
        }
        return Caller.byKey(answer.getDeveloperId(), answer.getKeyId(), new Caller.Limits(
                answer.getRateLimits().getRequestsPerMinute(), answer.getRateLimits().getTokensPerMinute()));
    }

    private Uni<Caller> accessToken(RoutingContext context, String token) {
        TokenAuthenticationRequest request = new TokenAuthenticationRequest(new AccessTokenCredential(token));
        HttpSecurityUtils.setRoutingContextAttribute(request, context);
        return identities.authenticate(request)
                .onFailure(AuthenticationFailedException.class).transform(failure -> OpenAiException.unauthenticated(
                        "Incorrect API key provided: neither a ComputePool API key nor a valid access token."))
                .map(this::developer);
    }

    private Caller developer(SecurityIdentity identity) {
        if (!identity.hasRole("developer")) {
            throw new OpenAiException(Response.Status.FORBIDDEN, "Your token lacks the role this operation needs.",
                    OpenAiError.INVALID_REQUEST, null, "permission_denied");
        }
        String subject = identity.getPrincipal() instanceof JsonWebToken jwt ? jwt.getSubject()
                : identity.getPrincipal().getName();
        return Caller.byToken(subject, tokenLimits);
    }
}
