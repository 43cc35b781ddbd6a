package computepool.identity.api;

import com.google.protobuf.Timestamp;
import computepool.identity.config.IdentityConfig;
import computepool.identity.domain.ApiKey;
import computepool.identity.domain.ApiKeySecret;
import computepool.identity.domain.ApiKeyState;
import computepool.identity.domain.RateLimits;
import computepool.identity.domain.SecretHasher;
import computepool.identity.store.ApiKeyStore;
import computepool.identity.store.RateLimitsStore;
import computepool.identity.v1.ApiKeyService;
import computepool.identity.v1.KeyRejection;
import computepool.identity.v1.VerifyKeyRequest;
import computepool.identity.v1.VerifyKeyResponse;
import io.grpc.Status;
import io.quarkus.grpc.GrpcService;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * {@code computepool.identity.v1.ApiKeyService}, for the gateways: whether a secret is a working key, whose, with
 * which scopes and limits. Only a gateway's service token may ask, on the internal gRPC port. A secret is looked up by
 * its keyed hash; the secret itself is never stored or logged.
 */
@GrpcService
@RolesAllowed("gateway-svc")
public class ApiKeyVerificationService implements ApiKeyService {

    private final ApiKeyStore keys;
    private final RateLimitsStore limits;
    private final SecretHasher hasher;
    private final IdentityConfig config;
    private final Clock clock;

    public ApiKeyVerificationService(ApiKeyStore keys, RateLimitsStore limits, SecretHasher hasher,
            IdentityConfig config, Clock clock) {
        this.keys = keys;
        this.limits = limits;
        this.hasher = hasher;
        this.config = config;
        this.clock = clock;
    }

    @Override
    @WithTransaction
    public Uni<VerifyKeyResponse> verifyKey(VerifyKeyRequest request) {
        String secret = request.getSecret();
        if (secret.isBlank()) {
            return Uni.createFrom().failure(Status.INVALID_ARGUMENT
                    .withDescription("secret must not be blank").asRuntimeException());
        }
        if (!ApiKeySecret.wellFormed(secret)) {
            // Not one of ours (a typo, another provider's key): no need to ask the database.
            return Uni.createFrom().item(rejected(KeyRejection.KEY_REJECTION_UNKNOWN));
        }
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        return keys.bySecretHash(hasher.hash(secret)).chain(found -> {
            if (found.isEmpty()) {
                return Uni.createFrom().item(rejected(KeyRejection.KEY_REJECTION_UNKNOWN));
            }
            ApiKey key = found.get();
            ApiKeyState state = key.state(now);
            if (state == ApiKeyState.REVOKED) {
                return Uni.createFrom().item(rejected(KeyRejection.KEY_REJECTION_REVOKED));
            }
            if (state == ApiKeyState.EXPIRED) {
                return Uni.createFrom().item(rejected(KeyRejection.KEY_REJECTION_EXPIRED));
            }
            return keys.touch(key.id(), now, now.minus(config.keyLastUsedResolution()))
                    .chain(() -> limits.ofDeveloper(key.developerId()))
                    .map(set -> accepted(key, set.orElseGet(() -> config.defaultRateLimits().toDomain())));
        });
    }

    private static VerifyKeyResponse rejected(KeyRejection rejection) {
        return VerifyKeyResponse.newBuilder().setValid(false).setRejection(rejection).build();
    }

    private static VerifyKeyResponse accepted(ApiKey key, RateLimits rateLimits) {
        VerifyKeyResponse.Builder response = VerifyKeyResponse.newBuilder()
                .setValid(true)
                .setKeyId(key.id().toString())
                .setDeveloperId(key.developerId().toString())
                .setRateLimits(computepool.identity.v1.RateLimits.newBuilder()
                        .setRequestsPerMinute(rateLimits.requestsPerMinute())
                        .setTokensPerMinute(rateLimits.tokensPerMinute()));
        key.scopes().forEach(scope -> response.addScopes(scope.wireName()));
        key.expiresAt().ifPresent(at -> response.setExpiresAt(
                Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano())));
        return response.build();
    }
}
