package computepool.gateway.billing;

import computepool.billing.v1.HoldService;
import computepool.billing.v1.QuoteRequest;
import computepool.gateway.config.GatewayConfig;
import io.quarkus.grpc.GrpcClient;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.math.BigInteger;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Models' prices as billing-svc quotes them, read again every {@code computepool.gateway.funds-leases.price-ttl}: what
 * a request is admitted against its lease at. Billing prices each request's hold itself, at its own price now; a price
 * changed meanwhile only makes that hold come out of the developer's other funds instead of the lease.
 */
@ApplicationScoped
public class ModelPrices {

    private static final Duration ANSWER_WITHIN = Duration.ofSeconds(5);
    private static final BigInteger TOKENS_PER_PRICE_UNIT = BigInteger.valueOf(1_000_000);

    /** A model's price, integer nano-USD per million tokens. */
    public record Price(long promptNanoUsdPerMillionTokens, long completionNanoUsdPerMillionTokens) {

        /** The most a request can cost: billing's rule, (prompt x price + completion x price) / 10^6 rounded half up. */
        public long maxCost(long promptTokens, long maxCompletionTokens) {
            BigInteger cost = BigInteger.valueOf(promptTokens)
                    .multiply(BigInteger.valueOf(promptNanoUsdPerMillionTokens))
                    .add(BigInteger.valueOf(maxCompletionTokens)
                            .multiply(BigInteger.valueOf(completionNanoUsdPerMillionTokens)));
            return cost.shiftLeft(1).add(TOKENS_PER_PRICE_UNIT)
                    .divide(TOKENS_PER_PRICE_UNIT.shiftLeft(1)).longValueExact();
        }
    }

    /** A price read (or, for a model's first request, being read) at {@code readAtNanos}. */
    private record Known(Uni<Price> price, long readAtNanos, AtomicBoolean refreshing) {
    }

    private final HoldService billing;
    private final long ttlNanos;
    private final Map<String, Known> known = new ConcurrentHashMap<>();

    @Inject
    public ModelPrices(@GrpcClient("billing") HoldService billing, GatewayConfig config) {
        this(billing, config.fundsLeases().priceTtl());
    }

    ModelPrices(HoldService billing, Duration ttl) {
        this.billing = billing;
        this.ttlNanos = ttl.toNanos();
    }

    /**
     * The model's price. Only a model's first request waits for billing (concurrent ones share the read); after the
     * TTL the price is read again in the background while requests go on at the price known, so a slow billing
     * never delays admission. Fails as billing's {@code Quote} does (FAILED_PRECONDITION for a model without a
     * price) until a read succeeds.
     */
    public Uni<Price> of(String modelId) {
        long now = System.nanoTime();
        Known entry = known.computeIfAbsent(modelId, id -> new Known(firstRead(id), now, new AtomicBoolean()));
        if (now - entry.readAtNanos() >= ttlNanos && entry.refreshing().compareAndSet(false, true)) {
            read(modelId).subscribe().with(
                    price -> known.put(modelId, new Known(Uni.createFrom().item(price), System.nanoTime(),
                            new AtomicBoolean())),
                    // Kept as it was, and read again a TTL later.
                    failure -> known.replace(modelId, entry, new Known(entry.price(), System.nanoTime(),
                            new AtomicBoolean())));
        }
        return entry.price();
    }

    /** The first read, shared by the requests that wait for it; a failed one is forgotten, so the next asks again. */
    private Uni<Price> firstRead(String modelId) {
        return read(modelId).onFailure().invoke(failure -> known.remove(modelId)).memoize().indefinitely();
    }

    private Uni<Price> read(String modelId) {
        return billing.quote(QuoteRequest.newBuilder().setModelId(modelId).build())
                .ifNoItem().after(ANSWER_WITHIN).fail()
                .map(quote -> new Price(quote.getPromptNanoUsdPerMillionTokens(),
                        quote.getCompletionNanoUsdPerMillionTokens()));
    }
}
