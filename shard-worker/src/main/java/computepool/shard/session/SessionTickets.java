package computepool.shard.session;

import computepool.shard.client.TicketKeys;
import computepool.shard.client.TicketVerifier;
import computepool.shard.config.ShardConfig;
import computepool.shard.v1.CancelSessionRequest;
import computepool.shard.v1.Hop;
import computepool.shard.v1.OpenSession;
import computepool.shard.v1.SessionTicket;
import io.grpc.Status;
import io.grpc.StatusException;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a gateway's ticket lets this worker do. A session opens only with a ticket that a gateway signed, that has not
 * expired, that names this session, model and sizes, and that lists this worker with its layers among its hops; the
 * hops the frame asks it to dial must be exactly the ticket's hops after it, so a caller cannot make the worker dial
 * anywhere else. A ticket opens its session once: one shown again, by whoever saw it pass, is refused.
 */
@Singleton
public class SessionTickets {

    private final TicketVerifier verifier;
    private final String workerId;
    private final Clock clock;
    /** Session ids whose tickets opened a session here, until the tickets expire. */
    private final Map<String, Instant> used = new ConcurrentHashMap<>();

    @Inject
    public SessionTickets(ShardConfig config) {
        this(new TicketVerifier(config.ticket().verifyKeys().stream().map(TicketKeys::publicKey).toList(),
                Clock.systemUTC()), config.workerId(), Clock.systemUTC());
    }

    SessionTickets(TicketVerifier verifier, String workerId, Clock clock) {
        this.verifier = verifier;
        this.workerId = workerId;
        this.clock = clock;
    }

    /** Fails with {@code UNAUTHENTICATED} without a ticket, {@code PERMISSION_DENIED} when it does not allow this. */
    public void authorize(OpenSession open) throws StatusException {
        SessionTicket ticket = verifier.current(open.getTicket(), open.hasTicket());
        List<Hop> hops = ticket.getHopsList();
        int at = position(ticket, open.getLayerStart(), open.getLayerEnd());
        if (!ticket.getSessionId().equals(open.getSessionId()) || !ticket.getRequestId().equals(open.getRequestId())) {
            throw denied("the ticket is for session " + ticket.getSessionId() + ", not " + open.getSessionId());
        }
        if (!ticket.getModelId().equals(open.getModelId()) || ticket.getTotalLayers() != open.getTotalLayers()) {
            throw denied("the ticket is for model " + ticket.getModelId() + " of " + ticket.getTotalLayers() + " layers");
        }
        if (ticket.getMaxTokens() != open.getMaxTokens() || ticket.getPromptTokens() != open.getPromptTokens()) {
            throw denied("the ticket allows " + ticket.getPromptTokens() + " prompt and " + ticket.getMaxTokens()
                    + " generated tokens, not what the session asks for");
        }
        if (at < 0) {
            throw denied("the ticket names no hop of worker " + workerId + " for layers [" + open.getLayerStart()
                    + ", " + open.getLayerEnd() + ")");
        }
        if (!hops.subList(at + 1, hops.size()).equals(open.getDownstreamList())) {
            throw denied("open.downstream is not the ticket's hops after this worker");
        }
        Instant expiresAt = expiry(ticket);
        forgetExpired();
        if (used.putIfAbsent(ticket.getSessionId(), expiresAt) != null) {
            throw denied("the ticket of session " + ticket.getSessionId() + " opened it here already");
        }
    }

    /**
     * Cancelling takes the ticket the session was opened with, expired or not: a session runs on past its ticket's
     * expiry, and only who was given the ticket (the gateway and the session's hops) may stop it.
     */
    public void authorize(CancelSessionRequest request) throws StatusException {
        SessionTicket ticket = verifier.signed(request.getTicket(), request.hasTicket());
        if (!ticket.getSessionId().equals(request.getSessionId())) {
            throw denied("the ticket is for session " + ticket.getSessionId() + ", not " + request.getSessionId());
        }
        if (ticket.getHopsList().stream().noneMatch(hop -> hop.getWorkerId().equals(workerId))) {
            throw denied("the ticket names no hop of worker " + workerId);
        }
    }

    private int position(SessionTicket ticket, int layerStart, int layerEnd) {
        for (int i = 0; i < ticket.getHopsCount(); i++) {
            Hop hop = ticket.getHops(i);
            if (hop.getWorkerId().equals(workerId) && hop.getLayerStart() == layerStart
                    && hop.getLayerEnd() == layerEnd) {
                return i;
            }
        }
        return -1;
    }

    private void forgetExpired() {
        Instant now = clock.instant();
        for (Iterator<Instant> expiries = used.values().iterator(); expiries.hasNext(); ) {
            if (!now.isBefore(expiries.next())) {
                expiries.remove();
            }
        }
    }

    private static Instant expiry(SessionTicket ticket) {
        return Instant.ofEpochSecond(ticket.getExpiresAt().getSeconds(), ticket.getExpiresAt().getNanos());
    }

    private static StatusException denied(String why) {
        return Status.PERMISSION_DENIED.withDescription(why).asException();
    }
}
