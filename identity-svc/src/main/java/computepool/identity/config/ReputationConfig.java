package computepool.identity.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Reputation signals: how developers prove an Ethereum address, and where its Passport score comes from. */
@ConfigMapping(prefix = "computepool.identity.reputation")
public interface ReputationConfig {

    Siwe siwe();

    Passport passport();

    GitHub github();

    /** How often every linked address's Passport score is read again and the developer's score recomputed. */
    @WithDefault("24h")
    Duration refreshInterval();

    /** The Sign-In with Ethereum messages the platform composes and accepts (EIP-4361). */
    interface Siwe {

        /** The site that asks for the signature, as the wallet shows it: the portal's host. */
        String domain();

        /** The URI the signature is for. */
        URI uri();

        @WithDefault("1")
        long chainId();

        /** How long a composed message (and its nonce) may be signed and submitted. */
        @WithDefault("10m")
        Duration lifetime();

        /** How far ahead of this service's clock a wallet's clock may be. */
        @WithDefault("1m")
        Duration clockSkew();
    }

    /** Human Passport's (Gitcoin Passport's) Stamps API v2. */
    interface Passport {

        @WithDefault("https://api.passport.xyz")
        URI baseUrl();

        /** The scorer whose score counts; without it (and the key) no address can be linked. */
        Optional<String> scorerId();

        Optional<String> apiKey();

        /** How long a score request may take before the link is refused for now. */
        @WithDefault("5s")
        Duration timeout();
    }

    /** GitHub's REST API, read with each developer's own token (which Keycloak's GitHub broker keeps). */
    interface GitHub {

        @WithDefault("https://api.github.com")
        URI apiUrl();

        /** The projects ({@code owner/name}) whose merged pull requests count extra. */
        Optional<List<String>> projects();

        @WithDefault("10s")
        Duration timeout();
    }
}
