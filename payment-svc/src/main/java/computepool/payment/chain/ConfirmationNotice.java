package computepool.payment.chain;

import computepool.events.Outbox;
import java.time.Instant;
import java.util.List;

/**
 * What the confirmation of one kind of chain action tells the rest of the platform: its events go through the outbox
 * in the commit that records the action CONFIRMED, so each is published once and never for an action left open.
 */
public interface ConfirmationNotice {

    /** The {@link ChainAction#kind()} this notice is for. */
    String kind();

    /** The events announcing that the action was mined successfully in {@code blockNumber}. */
    List<Outbox.Entry> confirmed(ChainAction action, long blockNumber, Instant now);
}
