package computepool.identity.config;

import computepool.identity.domain.SecretHasher;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** The one keyed hash of API key secrets, from the configured pepper (a short pepper fails startup). */
public class SecretHasherProducer {

    @Produces
    @Singleton
    SecretHasher secretHasher(IdentityConfig config) {
        return new SecretHasher(config.apiKeyPepper());
    }
}
