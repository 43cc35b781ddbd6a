package computepool.identity.reputation;

import computepool.identity.config.ReputationConfig;
import computepool.identity.domain.reputation.ReputationScore;
import computepool.identity.domain.siwe.InvalidSiweMessage;
import computepool.identity.domain.siwe.SiweMessage;
import computepool.identity.domain.siwe.SiweRules;
import computepool.identity.store.PassportLinkStore;
import computepool.identity.store.ReputationScoreStore;
import computepool.identity.store.SiweNonceStore;
import computepool.problems.ProblemException;
import computepool.problems.UniqueViolation;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;
import java.math.BigDecimal;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import org.web3j.crypto.Keys;

/**
 * Linking a developer's Ethereum address for its Passport score: the platform composes a Sign-In with Ethereum
 * message with a nonce for that developer and address; the developer's wallet signs it; the signed message links the
 * address once its signature, domain, validity and nonce hold and Passport has scored the address. Nothing is
 * linked (and the nonce stays unused) when Passport cannot answer, so the same signed message can be sent again.
 */
@ApplicationScoped
public class PassportLinking {

    static final String STATEMENT = "Link this address to your ComputePool developer account so its Human Passport"
            + " score counts toward your reputation.";

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] NONCE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
            .toCharArray();

    private final ReputationConfig.Siwe siwe;
    private final SiweRules rules;
    private final SiweNonceStore nonces;
    private final PassportLinkStore links;
    private final PassportApi passport;
    private final Rescoring rescoring;
    private final Clock clock;

    public PassportLinking(ReputationConfig config, SiweNonceStore nonces, PassportLinkStore links, PassportApi passport,
            Rescoring rescoring, Clock clock) {
        this.siwe = config.siwe();
        this.rules = new SiweRules(siwe.domain(), siwe.uri(), siwe.chainId(), siwe.clockSkew());
        this.nonces = nonces;
        this.links = links;
        this.passport = passport;
        this.rescoring = rescoring;
        this.clock = clock;
    }

    /** A message to sign, with its nonce and until when it may be sent back signed. */
    public record Challenge(String message, String nonce, Instant expiresAt) {
    }

    /** Composes the message for {@code address} and keeps its nonce; call inside a transaction. */
    public Uni<Challenge> challenge(UUID developer, String address) {
        if (address == null || !address.matches("0x[0-9a-fA-F]{40}")) {
            throw new ProblemException(Response.Status.BAD_REQUEST, "address", "must be 0x and 40 hexadecimal digits");
        }
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        Instant expires = now.plus(siwe.lifetime());
        String nonce = nonce();
        SiweMessage message = new SiweMessage(siwe.domain(), Keys.toChecksumAddress(address), Optional.of(STATEMENT),
                siwe.uri(), "1", siwe.chainId(), nonce, now, Optional.of(expires), Optional.empty(), Optional.empty(),
                List.of());
        return nonces.issue(nonce, developer, address.toLowerCase(Locale.ROOT), now, expires)
                .replaceWith(new Challenge(message.text(), nonce, expires));
    }

    /** The linked address's score, with the developer's new reputation; runs its own transaction. */
    public Uni<Rescoring.Rescored> link(UUID developer, String text, String signature) {
        Instant now = clock.instant();
        SiweMessage message;
        try {
            message = rules.accept(text, signature, now);
        } catch (InvalidSiweMessage refused) {
            throw new ProblemException(Response.Status.BAD_REQUEST, refusedField(refused), refused.getMessage());
        }
        String address = message.address().toLowerCase(Locale.ROOT);
        return passport.score(address)
                .onFailure(PassportApi.PassportUnavailable.class).transform(unavailable -> new ProblemException(
                        Response.Status.SERVICE_UNAVAILABLE, "passport", unavailable.getMessage()
                                + "; nothing was linked and the signed message may be sent again until it expires"))
                .chain(score -> Panache.withTransaction(() -> linkScored(developer, message, text, signature,
                        address, score, now)));
    }

    private Uni<Rescoring.Rescored> linkScored(UUID developer, SiweMessage message, String text, String signature,
            String address, BigDecimal score, Instant now) {
        return nonces.use(message.nonce(), developer, address, now)
                .invoke(use -> {
                    switch (use) {
                        case USED_NOW -> { }
                        case UNKNOWN -> throw refused("message.nonce", "was not issued to you");
                        case USED_BEFORE -> throw refused("message.nonce", "was used already: ask for a new message");
                        case EXPIRED -> throw refused("message.nonce", "has expired: ask for a new message");
                        case OTHER_ADDRESS -> throw refused("message.address", "is not the address this nonce was"
                                + " issued for");
                    }
                })
                .chain(() -> links.link(developer, address, text, signature, score, now))
                .onFailure(f -> UniqueViolation.on(f, PassportLinkStore.ADDRESS_KEY))
                .transform(f -> new ProblemException(Response.Status.CONFLICT, "message.address",
                        "is linked to another developer: an address counts for one developer only"))
                .onFailure(f -> UniqueViolation.on(f, PassportLinkStore.DEVELOPER_KEY))
                .transform(f -> new ProblemException(Response.Status.CONFLICT, "message.address",
                        "you have linked an address already: unlink it first"))
                .chain(() -> rescoring.rescore(developer, ReputationScoreStore.Cause.PASSPORT_LINKED, now));
    }

    /** Unlinks the developer's address (its history stays) and rescores; runs its own transaction. */
    public Uni<Rescoring.Rescored> unlink(UUID developer) {
        Instant now = clock.instant();
        return Panache.withTransaction(() -> links.unlink(developer, now)
                .invoke(unlinked -> {
                    if (unlinked == 0) {
                        throw new ProblemException(Response.Status.NOT_FOUND, "you have no linked address");
                    }
                })
                .chain(() -> rescoring.rescore(developer, ReputationScoreStore.Cause.PASSPORT_UNLINKED, now)));
    }

    private static ProblemException refused(String field, String reason) {
        return new ProblemException(Response.Status.BAD_REQUEST, field, reason);
    }

    private static String refusedField(InvalidSiweMessage refused) {
        return switch (refused.field()) {
            case "signature", "message" -> refused.field();
            default -> "message." + refused.field();
        };
    }

    private static String nonce() {
        char[] nonce = new char[17];
        for (int i = 0; i < nonce.length; i++) {
            nonce[i] = NONCE_ALPHABET[RANDOM.nextInt(NONCE_ALPHABET.length)];
        }
        return new String(nonce);
    }
}
