package computepool.shard.client;

import com.google.protobuf.InvalidProtocolBufferException;
import computepool.shard.v1.SessionTicket;
import computepool.shard.v1.SignedTicket;
import io.grpc.Status;
import io.grpc.StatusException;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Clock;
import java.time.Instant;
import java.util.List;

/**
 * Checks that a ticket is one a gateway signed, with any of the gateways' public keys. What the ticket then allows is
 * the shard worker's to decide.
 */
public final class TicketVerifier {

    private final List<PublicKey> keys;
    private final Clock clock;

    public TicketVerifier(List<PublicKey> keys, Clock clock) {
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("a shard worker needs the gateways' public key to check tickets");
        }
        this.keys = List.copyOf(keys);
        this.clock = clock;
    }

    /**
     * The ticket, if a gateway signed exactly these bytes: {@code UNAUTHENTICATED} when there is none,
     * {@code PERMISSION_DENIED} when the signature does not verify.
     */
    public SessionTicket signed(SignedTicket signed, boolean present) throws StatusException {
        if (!present || signed.getTicket().isEmpty()) {
            throw Status.UNAUTHENTICATED.withDescription("a session needs a ticket signed by a gateway").asException();
        }
        byte[] ticket = signed.getTicket().toByteArray();
        if (!signedByAGateway(ticket, signed.getSignature().toByteArray())) {
            throw Status.PERMISSION_DENIED.withDescription("the ticket's signature is not a gateway's").asException();
        }
        try {
            return SessionTicket.parseFrom(ticket);
        } catch (InvalidProtocolBufferException e) {
            throw Status.PERMISSION_DENIED.withDescription("the signed ticket is not a SessionTicket").asException();
        }
    }

    /** {@link #signed} and not yet expired: what opening a session needs. */
    public SessionTicket current(SignedTicket signed, boolean present) throws StatusException {
        SessionTicket ticket = signed(signed, present);
        Instant expiresAt = Instant.ofEpochSecond(ticket.getExpiresAt().getSeconds(), ticket.getExpiresAt().getNanos());
        if (!clock.instant().isBefore(expiresAt)) {
            throw Status.PERMISSION_DENIED.withDescription("the ticket expired at " + expiresAt).asException();
        }
        return ticket;
    }

    private boolean signedByAGateway(byte[] ticket, byte[] signatureBytes) {
        for (PublicKey key : keys) {
            try {
                Signature signature = Signature.getInstance(TicketKeys.ALGORITHM);
                signature.initVerify(key);
                signature.update(ticket);
                if (signature.verify(signatureBytes)) {
                    return true;
                }
            } catch (GeneralSecurityException e) {
                // a malformed signature is one that does not verify
            }
        }
        return false;
    }
}
