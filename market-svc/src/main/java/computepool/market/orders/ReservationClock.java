package computepool.market.orders;

import computepool.events.Outbox;
import computepool.events.Topics;
import computepool.market.v1.ReservationEnded;
import io.quarkus.scheduler.Scheduled;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/**
 * What the passing of time does to the market, every tick: sells of nodes gone silent leave the book, and
 * reservations whose first hour began, or whose last hour passed, are announced (once each: the flags are set in the
 * transaction that appends the event).
 */
@ApplicationScoped
public class ReservationClock {

    private static final Logger LOG = Logger.getLogger(ReservationClock.class);

    private final OrderBook book;
    private final OrderStore store;

    public ReservationClock(OrderBook book, OrderStore store) {
        this.book = book;
        this.store = store;
    }

    @Scheduled(every = "${computepool.market.book-tick}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void tick() {
        try {
            book.withdrawSilentSells();
            announce(book.currentHour());
        } catch (RuntimeException e) {
            LOG.warnf(e, "The market's tick failed; the next one tries again");
        }
    }

    /** Announces the reservations that started, and those that ended, by the beginning of {@code hour}. */
    public void announce(long hour) {
        int started = store.announce("""
                        update reservation set start_announced = true
                        where not start_announced and start_hour <= $1 and held_until_hour > start_hour
                        """ + "returning " + OrderStore.RESERVATION_FIELDS, Tuple.of(hour),
                reservation -> new Outbox.Entry(Topics.MARKET, reservation.buyerId(),
                        MarketEvents.started(reservation)));
        int ended = store.announce("""
                        update reservation set end_announced = true
                        where not end_announced and held_until_hour <= $1
                        """ + "returning " + OrderStore.RESERVATION_FIELDS, Tuple.of(hour),
                reservation -> new Outbox.Entry(Topics.MARKET, reservation.buyerId(), MarketEvents.ended(
                        reservation, ReservationEnded.Reason.COMPLETED, reservation.heldUntilHour(), 0)));
        if (started + ended > 0) {
            LOG.infof("Announced %d reservations started and %d ended by hour %d", started, ended, hour);
        }
    }
}
