package computepool.gateway.auth;

import computepool.gateway.cache.ExpiringLru;
import computepool.gateway.config.GatewayConfig;
import computepool.identity.v1.ApiKeyService;
import computepool.identity.v1.VerifyKeyRequest;
import computepool.identity.v1.VerifyKeyResponse;
import io.quarkus.grpc.GrpcClient;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Asks identity-svc whether an API key works, and remembers each answer, valid or not, for
 * {@code computepool.gateway.key-cache-ttl}: a busy key costs identity-svc one call per interval and gateway, and a
 * revoked key stops working within that interval. The cache holds SHA-256 digests of secrets, never the secrets, and
 * at most {@code computepool.gateway.key-cache-max-entries} of them, least recently used out first: a spray of unknown
 * keys can push out only each other and keys nobody used lately, never grow the gateway's memory.
 */
@ApplicationScoped
public class KeyVerifier {

    private static final Duration ANSWER_WITHIN = Duration.ofSeconds(5);

    private record Cached(VerifyKeyResponse answer, Instant until) {
    }

    private final ApiKeyService identity;
    private final GatewayConfig config;
    private final Clock clock;
    private final ExpiringLru<String, Cached> answers;

    public KeyVerifier(@GrpcClient("identity") ApiKeyService identity, GatewayConfig config, Clock clock) {
        this.identity = identity;
        this.config = config;
        this.clock = clock;
        this.answers = new ExpiringLru<>(config.keyCacheMaxEntries(), Cached::until);
    }

    public Uni<VerifyKeyResponse> verify(String secret) {
        String digest = digest(secret);
        Instant now = clock.instant();
        Optional<Cached> cached = answers.get(digest, now);
        if (cached.isPresent()) {
            return Uni.createFrom().item(cached.get().answer());
        }
        return identity.verifyKey(VerifyKeyRequest.newBuilder().setSecret(secret).build())
                // A per-call limit: a deadline configured on the client would count from the client's creation.
                .ifNoItem().after(ANSWER_WITHIN).fail()
                .invoke(answer -> remember(digest, answer, now));
    }

    private void remember(String digest, VerifyKeyResponse answer, Instant now) {
        answers.put(digest, new Cached(answer, now.plus(config.keyCacheTtl())));
    }

    private static String digest(String secret) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
