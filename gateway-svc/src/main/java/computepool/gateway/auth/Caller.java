package computepool.gateway.auth;

import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Who is asking: a developer, by API key or by a Keycloak access token, or a wallet paying for this one request with
 * an x402 voucher.
 *
 * @param developerId     the developer's identity-svc id; known for a key, empty otherwise
 * @param keycloakSubject the token's subject for a Keycloak login; empty otherwise
 * @param apiKeyId        the key used; empty otherwise
 * @param limits          the key's limits per minute, or the gateway's for a Keycloak login; empty for a voucher, which
 *                        has none
 * @param voucher         the settled payment of a caller paying per request; empty otherwise
 */
public record Caller(Optional<String> developerId, Optional<String> keycloakSubject, Optional<String> apiKeyId,
        Optional<Limits> limits, Optional<Voucher> voucher) {

    public Caller {
        Objects.requireNonNull(developerId, "developerId");
        Objects.requireNonNull(keycloakSubject, "keycloakSubject");
        Objects.requireNonNull(apiKeyId, "apiKeyId");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(voucher, "voucher");
        int knownBy = (developerId.isPresent() ? 1 : 0) + (keycloakSubject.isPresent() ? 1 : 0)
                + (voucher.isPresent() ? 1 : 0);
        if (knownBy != 1) {
            throw new IllegalArgumentException("a caller is known by exactly one of developer id, subject and voucher");
        }
    }

    public static Caller byKey(String developerId, String apiKeyId, Limits limits) {
        return new Caller(Optional.of(developerId), Optional.empty(), Optional.of(apiKeyId), Optional.of(limits),
                Optional.empty());
    }

    public static Caller byToken(String keycloakSubject, Limits limits) {
        return new Caller(Optional.empty(), Optional.of(keycloakSubject), Optional.empty(), Optional.of(limits),
                Optional.empty());
    }

    public static Caller byVoucher(Voucher voucher) {
        return new Caller(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.of(voucher));
    }

    /**
     * Names who pays on a call to billing-svc, whose requests carry the payer as a oneof of these two: the developer
     * of an API key, or else the subject of a Keycloak login.
     */
    public void payer(Consumer<String> byDeveloper, Consumer<String> bySubject) {
        developerId.ifPresentOrElse(byDeveloper, () -> bySubject.accept(keycloakSubject.orElseThrow()));
    }

    /** The developer id, the subject of a Keycloak login, or the paying wallet: what usage is keyed by. */
    public String accountKey() {
        return developerId.or(() -> keycloakSubject).orElseGet(() -> voucher.orElseThrow().payer());
    }

    /** Requests and tokens (prompt plus completion) per minute, per key or per Keycloak subject. */
    public record Limits(int requestsPerMinute, long tokensPerMinute) {
    }

    /**
     * A payment settled on chain for one request.
     *
     * @param payer       the paying wallet's address
     * @param paidNanoUsd what it paid: the request's quoted maximum cost
     * @param network     the chain, as CAIP-2
     * @param transaction the settling transaction's hash
     */
    public record Voucher(String payer, long paidNanoUsd, String network, String transaction) {
    }
}
