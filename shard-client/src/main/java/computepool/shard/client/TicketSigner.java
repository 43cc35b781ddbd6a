package computepool.shard.client;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import computepool.shard.v1.Hop;
import computepool.shard.v1.SessionTicket;
import computepool.shard.v1.SignedTicket;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Signs the ticket of each session a gateway opens. The key is the gateways' alone: a ticket is the only thing that
 * makes a shard worker serve a session, dial another worker or cancel one.
 */
public final class TicketSigner {

    /** Long enough for every hop to open the session; a session already open runs on past it. */
    public static final Duration LIFETIME = Duration.ofSeconds(60);

    private final PrivateKey key;
    private final String issuedBy;
    private final Clock clock;

    public TicketSigner(PrivateKey key, String issuedBy, Clock clock) {
        this.key = key;
        this.issuedBy = issuedBy;
        this.clock = clock;
    }

    public SignedTicket sign(String sessionId, String requestId, String modelId, int totalLayers, List<Hop> hops,
            int maxTokens, int promptTokens) {
        Instant expiresAt = clock.instant().plus(LIFETIME);
        byte[] ticket = SessionTicket.newBuilder()
                .setSessionId(sessionId)
                .setRequestId(requestId)
                .setModelId(modelId)
                .setTotalLayers(totalLayers)
                .addAllHops(hops)
                .setIssuedBy(issuedBy)
                .setMaxTokens(maxTokens)
                .setPromptTokens(promptTokens)
                .setExpiresAt(Timestamp.newBuilder().setSeconds(expiresAt.getEpochSecond()).setNanos(expiresAt.getNano()))
                .build().toByteArray();
        try {
            Signature signature = Signature.getInstance(TicketKeys.ALGORITHM);
            signature.initSign(key);
            signature.update(ticket);
            return SignedTicket.newBuilder()
                    .setTicket(ByteString.copyFrom(ticket))
                    .setSignature(ByteString.copyFrom(signature.sign()))
                    .build();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign a session ticket with an Ed25519 key: " + e.getMessage(), e);
        }
    }
}
