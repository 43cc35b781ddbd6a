package computepool.gateway.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import jakarta.validation.constraints.Positive;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.hibernate.validator.constraints.time.DurationMin;

/** What the gateway serves and how it treats callers. */
@ConfigMapping(prefix = "computepool.gateway")
public interface GatewayConfig {

    /**
     * The models clients may name, by model id (as shard workers announce it). The gateway reads each model's
     * tokenizer, chat template and context length from its GGUF file; the weights stay with the shard workers.
     */
    Map<String, ServedModelConfig> models();

    /**
     * How long a key's verification is reused before identity-svc is asked again: the longest a revoked key keeps
     * working on this gateway.
     */
    @WithDefault("2s")
    Duration keyCacheTtl();

    /**
     * The most key verifications remembered at once, valid and unknown keys together; past it the least recently
     * used is forgotten, so keys sprayed at the gateway cannot grow its memory.
     */
    @WithDefault("10000")
    @Positive
    int keyCacheMaxEntries();

    /** The limits of a developer calling with a Keycloak access token, who has no key to carry limits of its own. */
    TokenRateLimits tokenRateLimits();

    /** How many failed authentications one client address may make before it is refused for a while. */
    FailedAuthentication failedAuthentication();

    /**
     * The longest an inference session may run: the deadline of the gateway's stream to the entry shard, after which
     * the session is cancelled on every shard and settled with what it used. The request's hold lasts this long and
     * a minute more, so no session outlives the funds set aside for it.
     */
    @WithDefault("10m")
    @DurationMin(seconds = 1)
    Duration maxSessionDuration();

    /**
     * How long a pipeline the worker registry chose is reused for further sessions of its model before the registry
     * is asked again; a failed session forgets it at once. Zero asks for every request.
     */
    @WithDefault("1s")
    Duration pipelineCacheTtl();

    /**
     * Completion tokens of a chat completion that names no {@code max_completion_tokens} or {@code max_tokens}; every
     * shard reserves KV cache for prompt plus this many tokens, so the context length is too generous a default.
     */
    @WithDefault("1024")
    int defaultMaxTokens();

    /** Largest request body accepted, in bytes. */
    @WithDefault("1048576")
    int maxBodyBytes();

    /**
     * Serves {@code POST /v1/echo}, which answers its body at once through the same HTTP stack: the baseline of the
     * gateway benchmark. Off in production.
     */
    @WithDefault("false")
    boolean echoRoute();

    /** Paying per request with x402 vouchers, for callers without credentials. */
    X402 x402();

    /** The tickets the gateway signs for the sessions it opens on shard workers. */
    Ticket ticket();

    /** The funds this gateway leases from each developer's wallets, to admit their requests without asking billing. */
    FundsLeases fundsLeases();

    interface FundsLeases {

        /**
         * A lease is grown to cover this many more requests like the one that needs it (their prompt and max_tokens
         * at the model's price), or what the developer can spend if less; it is grown again in the background when
         * it can cover fewer than a quarter of that.
         */
        @WithDefault("32")
        @Positive
        int requests();

        /** How long a lease lasts from its last growth; it is renewed in the background after half of it. */
        @WithDefault("2m")
        @DurationMin(seconds = 10)
        Duration duration();

        /** A lease no request has used for this long is released, so its funds are the developer's again. */
        @WithDefault("30s")
        Duration idle();

        /** How long a model's price, read from billing, is used for admitting requests before it is read again. */
        @WithDefault("10s")
        Duration priceTtl();
    }

    interface TokenRateLimits {

        /** Requests per minute, across every access token of one Keycloak subject; identity-svc's default for keys. */
        @WithDefault("60")
        @Positive
        int requestsPerMinute();

        /** Prompt plus completion tokens per minute, likewise; identity-svc's default for keys. */
        @WithDefault("100000")
        @Positive
        long tokensPerMinute();
    }

    interface FailedAuthentication {

        /**
         * Failed authentications (no credentials, an unknown, revoked or expired key, an invalid token) an address
         * may make in one window; the attempts after them are answered 429 without asking identity-svc, until the
         * window ends.
         */
        @WithDefault("20")
        @Positive
        int maxAttempts();

        /** The window the attempts are counted in, in whole seconds (calendar windows of Redis' clock). */
        @WithDefault("60s")
        @DurationMin(seconds = 1)
        Duration window();

        /** The most addresses this gateway remembers attempts of; past it the least recently seen is forgotten. */
        @WithDefault("10000")
        @Positive
        int maxAddresses();

        /**
         * Whether the client's address is the last entry of {@code X-Forwarded-For} (the one the proxy in front of
         * the gateway appended) rather than the connection's peer. Only behind a proxy that sets it: otherwise a
         * client names any address it likes and is never refused.
         */
        @WithDefault("false")
        boolean trustForwardedFor();
    }

    interface Ticket {

        /**
         * The gateways' Ed25519 signing key, base64 of its PKCS#8 encoding; shard workers hold its public half. No
         * default: a gateway that cannot sign tickets does not start.
         */
        String signingKey();

        /** Who signs, in every ticket (for operators' logs): the application's name unless set. */
        @WithDefault("${quarkus.application.name}")
        String issuedBy();
    }

    interface X402 {

        /**
         * The paths ({@code /v1/chat/completions}, {@code /v1/completions}) where a request without credentials is
         * answered 402 with what to pay, and served once it pays; on the others it needs credentials as always.
         */
        Optional<List<String>> routes();

        /** payment-svc's x402 facilitator: {@code <url>/verify} and {@code <url>/settle}. */
        Optional<URI> facilitatorUrl();

        /** The EVM chain's id; the network is named {@code eip155:<id>}. */
        Optional<Long> chainId();

        /** The token paid with: its contract address, and its EIP-712 domain's name and version. */
        Optional<String> asset();

        @WithDefault("ComputePool USD")
        String assetName();

        @WithDefault("1")
        String assetVersion();

        /** The platform's treasury, which every voucher pays. */
        Optional<String> payTo();

        /** How long a client may take between the 402 and its paid retry. */
        @WithDefault("60s")
        Duration maxTimeout();

        /**
         * The longest the facilitator may take to verify. Settling waits longer if the facilitator may: its deadline
         * is {@code max-timeout} (the requirements' maxTimeoutSeconds), so the gateway waits that and
         * {@code settle-margin} more.
         */
        @WithDefault("30s")
        Duration facilitatorTimeout();

        /** How late after its own deadline the facilitator's answer to a settlement may still come. */
        @WithDefault("15s")
        Duration settleMargin();

        /**
         * The least a request is quoted, in the token's smallest unit (a micro-USD): payment-svc's facilitator settles
         * nothing smaller ({@code computepool.x402.minimum-amount}), as the treasury pays each settlement's gas.
         */
        @WithDefault("1000")
        @Positive
        long minimumAmount();
    }

    interface ServedModelConfig {

        /** The model's GGUF file. */
        Path gguf();
    }
}
