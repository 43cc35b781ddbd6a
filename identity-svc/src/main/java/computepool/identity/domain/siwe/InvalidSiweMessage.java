package computepool.identity.domain.siwe;

/** A Sign-In with Ethereum message that is malformed or not acceptable, naming the part of it that is wrong. */
public final class InvalidSiweMessage extends RuntimeException {

    private final String field;

    public InvalidSiweMessage(String field, String reason) {
        super(reason);
        this.field = field;
    }

    /** The message's part, as its JSON name: {@code domain}, {@code nonce}, {@code expirationTime}… */
    public String field() {
        return field;
    }
}
