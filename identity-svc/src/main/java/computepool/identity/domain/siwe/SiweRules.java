package computepool.identity.domain.siwe;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import org.web3j.crypto.Keys;

/**
 * What the platform accepts of a signed Sign-In with Ethereum message, besides its nonce (which the store checks):
 * it is for this platform's domain, URI and chain, inside its validity window, its address in EIP-55 form, and signed
 * by that address's key.
 */
public record SiweRules(String domain, URI uri, long chainId, Duration clockSkew) {

    /** The message, checked; fails naming the part that is wrong. */
    public SiweMessage accept(String text, String signature, Instant now) {
        SiweMessage message = SiweMessage.parse(text);
        if (!message.domain().equals(domain)) {
            throw new InvalidSiweMessage("domain", "is " + message.domain() + ", not " + domain
                    + ": the message was made for another site");
        }
        if (!message.uri().equals(uri)) {
            throw new InvalidSiweMessage("uri", "is " + message.uri() + ", not " + uri);
        }
        if (message.chainId() != chainId) {
            throw new InvalidSiweMessage("chainId", "is " + message.chainId() + ", not " + chainId);
        }
        if (message.issuedAt().isAfter(now.plus(clockSkew))) {
            throw new InvalidSiweMessage("issuedAt", "is in the future");
        }
        if (message.expirationTime().isEmpty()) {
            throw new InvalidSiweMessage("expirationTime", "is required: a signed message must not be good forever");
        }
        if (!message.expirationTime().get().isAfter(now)) {
            throw new InvalidSiweMessage("expirationTime", "has passed");
        }
        if (message.notBefore().filter(notBefore -> notBefore.isAfter(now.plus(clockSkew))).isPresent()) {
            throw new InvalidSiweMessage("notBefore", "has not come yet");
        }
        if (!Keys.toChecksumAddress(message.address()).equals(message.address())) {
            throw new InvalidSiweMessage("address", "is not in its EIP-55 checksum form");
        }
        String signer = PersonalSignature.signer(text, signature);
        if (!signer.equalsIgnoreCase(message.address())) {
            throw new InvalidSiweMessage("signature", "was made by " + signer + ", not by " + message.address());
        }
        return message;
    }
}
