package computepool.market.funding;

import computepool.market.matching.OrderRejected;
import computepool.market.orders.BookUnavailable;
import computepool.market.orders.OrderBook;
import computepool.market.orders.OrderTerms;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;
import java.util.UUID;

/**
 * Places developers' buys only on funds held for them: the buy's most cost is held in billing-svc first, outside the
 * book's lock, then the buy enters the book under the id the hold names. Metering then draws on that hold, and what
 * the buy no longer needs (a cheaper fill, hours given up or preempted, a buy that closes unfilled) billing frees as
 * the book's events reach it. So a buy, and every preemption it makes, is funded before it takes any GPU.
 */
@ApplicationScoped
public class FundedBuys {

    private final OrderBook book;
    private final BuyFunding funding;

    public FundedBuys(OrderBook book, BuyFunding funding) {
        this.book = book;
        this.funding = funding;
    }

    /**
     * @throws UnfundedBuy        when the developer's funds do not cover the buy's most cost; nothing is placed
     * @throws FundingUnavailable when billing-svc could not be asked; nothing is placed
     */
    public OrderBook.Placed buy(String developerId, String idempotencyKey, OrderTerms.Buy terms) {
        Optional<OrderBook.Placed> before = book.placedBefore(developerId, idempotencyKey, terms);
        if (before.isPresent()) {
            return before.get();
        }
        UUID id = OrderBook.buyOrderId(developerId, idempotencyKey);
        funding.hold(id, developerId, terms.mostCostNanoUsd());
        try {
            return book.buy(developerId, idempotencyKey, terms);
        } catch (OrderRejected | BookUnavailable e) {
            // The book took nothing: the hold goes too. (A key reused with other terms keeps the hold of the order
            // that key placed.)
            funding.release(id);
            throw e;
        }
    }
}
