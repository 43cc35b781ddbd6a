package computepool.payment.pay;

import computepool.billing.v1.PayoutSettled;
import computepool.chain.contracts.IGDAv1Forwarder;
import computepool.chain.contracts.IGeneralDistributionAgreementV1;
import computepool.chain.contracts.ISuperfluidPool;
import computepool.events.Outbox;
import computepool.events.Topics;
import computepool.payment.chain.Chain;
import computepool.payment.chain.ChainAction;
import computepool.payment.chain.ChainActions;
import computepool.payment.chain.PassLoop;
import computepool.payment.chain.TokenUnits;
import computepool.payment.domain.PaymentEvent;
import computepool.payment.webhooks.WebhookDeliveries;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Timestamp;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Supplier;
import org.jboss.logging.Logger;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.tx.ReadonlyTransactionManager;
import org.web3j.tx.gas.DefaultGasProvider;

/**
 * Pays operators on chain what billing says they earned. The operators serving one model form a coalition with two
 * Superfluid GDA pools of the super token; at the end of each epoch the settlement moves through persisted states,
 * each step a set of chain actions under keys derived from (model, epoch, operator), so that a crash or a lost
 * connection resumes the same step without paying twice:
 * <ol>
 * <li>STOPPING: the flow distribution is stopped, then the plan is written: per operator, the ledger earnings
 * received before the epoch's end, floored to whole base units of the 6-decimal token (the rest carried to the next
 * epoch), and what the pools have already paid it;</li>
 * <li>DISTRIBUTING: the true-up pool's units are set to each operator's shortfall in super-token units, and the sum
 * is distributed: one unit of the token per unit of the pool, so each operator gets exactly its shortfall;</li>
 * <li>CLAIMING: each operator's balances in both pools are claimed to its address; then SETTLED, with a
 * {@code PayoutSettled} per operator paid this epoch.</li>
 * </ol>
 */
@ApplicationScoped
public class OperatorPay {

    private static final Logger LOG = Logger.getLogger(OperatorPay.class);
    private static final BigInteger UNITS_PER_BASE_UNIT = TokenUnits.SUPER_UNITS_PER_BASE_UNIT;
    private static final long NANO_USD_PER_BASE_UNIT = TokenUnits.NANO_USD_PER_BASE_UNIT;
    private static final BigInteger UNITS_PER_NANO_USD = BigInteger.TEN.pow(9);
    private static final byte[] NO_USER_DATA = new byte[0];

    private final Chain chain;
    private final ChainActions actions;
    private final PayStore store;
    private final WorkerSessions sessions;
    private final Outbox outbox;
    private final PayConfig config;
    private final Clock clock;
    private final WebhookDeliveries deliveries;
    private final ObjectMapper json;
    private final PassLoop loop;

    public OperatorPay(Chain chain, ChainActions actions, PayStore store, WorkerSessions sessions, Outbox outbox,
            PayConfig config, Clock clock, WebhookDeliveries deliveries, ObjectMapper json) {
        this.chain = chain;
        this.sessions = sessions;
        this.actions = actions;
        this.store = store;
        this.outbox = outbox;
        this.config = config;
        this.clock = clock;
        this.deliveries = deliveries;
        this.json = json;
        this.loop = new PassLoop("operator-pay", config.passInterval(), this::pass, LOG);
    }

    void start(@Observes StartupEvent event) {
        if (config.enabled()) {
            loop.start();
        }
    }

    void stop(@Observes ShutdownEvent event) throws InterruptedException {
        loop.stop();
    }

    /** One step for every coalition: its pools first, then its oldest epoch still to settle, if it has ended. */
    public void pass() throws Exception {
        Instant now = clock.instant();
        sessions.endSilent(now);
        long lastEnded = Epochs.of(now, config.epochLength()) - 1;
        Duration length = config.epochLength();
        for (PayStore.Coalition coalition : store.coalitions()) {
            try {
                advance(coalition, lastEnded, length, now);
            } catch (ChainActionFailed e) {
                // The coalition waits where it is (the action's failure is announced); the others go on.
                LOG.errorf("coalition %s: %s", coalition.modelId(), e.getMessage());
            }
        }
    }

    /** A chain action the settlement needs ended FAILED. */
    static final class ChainActionFailed extends IllegalStateException {
        ChainActionFailed(String message) {
            super(message);
        }
    }

    private void advance(PayStore.Coalition coalition, long lastEnded, Duration length, Instant now) throws Exception {
        String model = coalition.modelId();
        if (coalition.flowPool().isEmpty() && !store.anyPayee(model)) {
            // Nobody serving the model can be paid yet: its pools, and their gas, wait until someone can. What it
            // earns meanwhile is owed all the same, and paid by the first true-up after.
            return;
        }
        Optional<String> flowPool = coalition.flowPool().or(() -> created(model, true));
        Optional<String> trueUpPool = coalition.trueUpPool().or(() -> created(model, false));
        if (flowPool.isEmpty() || trueUpPool.isEmpty()) {
            return;
        }
        long epoch = coalition.settledEpoch() + 1;
        if (epoch > lastEnded) {
            // Nothing ended to settle: the flow follows the earnings of the epoch under way.
            advanceFlow(coalition, flowPool.get(), trueUpPool.get(), now, true);
        } else if (store.epoch(model, epoch).isEmpty() && coalition.flowRate().signum() == 0
                && coalition.pendingTick().isEmpty()
                && !store.earnedBetween(model, Epochs.start(epoch, length), Epochs.end(epoch, length))) {
            store.skip(model, epoch);
        } else {
            settle(coalition, flowPool.get(), trueUpPool.get(), epoch, now);
        }
    }

    private Optional<String> created(String modelId, boolean flow) {
        String key = "pool:" + modelId + ":" + (flow ? "flow" : "true-up");
        ChainAction action = actions.byKey(key).orElseGet(() -> actions.call(key, "POOL_CREATE",
                chain.config().superfluid().gdaForwarderAddress(), forwarder().createPool(chain.config().superTokenAddress(),
                        chain.treasury().getAddress(), new IGDAv1Forwarder.PoolConfig(false, false)).encodeFunctionCall()));
        if (action.state() != ChainAction.State.CONFIRMED) {
            return Optional.empty();
        }
        try {
            TransactionReceipt receipt = chain.web3j().ethGetTransactionReceipt(action.txHash().orElseThrow()).send()
                    .getTransactionReceipt().orElseThrow();
            String pool = IGeneralDistributionAgreementV1.getPoolCreatedEvents(receipt).getFirst().pool
                    .toLowerCase(Locale.ROOT);
            store.setPool(modelId, flow, pool);
            LOG.infof("coalition %s: %s pool %s", modelId, flow ? "flow" : "true-up", pool);
            return Optional.of(pool);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void settle(PayStore.Coalition coalition, String flowPool, String trueUpPool, long epoch, Instant now)
            throws Exception {
        String model = coalition.modelId();
        Duration length = config.epochLength();
        Optional<PayStore.Epoch> row = store.epoch(model, epoch);
        if (row.isEmpty()) {
            store.openEpoch(model, epoch, Epochs.end(epoch, length), now);
            row = store.epoch(model, epoch);
        }
        String prefix = model + ":" + epoch;
        switch (row.orElseThrow().state()) {
            case "STOPPING" -> {
                // An update under way lands first; then the flow stops, so what the pools paid stands still.
                if (!advanceFlow(coalition, flowPool, trueUpPool, now, false)) {
                    return;
                }
                if (store.coalition(model).flowRate().signum() != 0) {
                    if (confirmed(once("flow-stop:" + prefix, "FLOW_UPDATE", () -> forwarder()
                            .distributeFlow(token(), treasury(), flowPool, BigInteger.ZERO, NO_USER_DATA)
                            .encodeFunctionCall())).isEmpty()) {
                        return;
                    }
                    store.flowStopped(model);
                }
                store.plan(model, epoch, plan(model, row.get().endsAt(), flowPool, trueUpPool), now);
            }
            case "DISTRIBUTING" -> {
                List<PayStore.Payout> payouts = store.payouts(model, epoch);
                boolean unitsSet = true;
                BigInteger total = BigInteger.ZERO;
                for (PayStore.Payout payout : payouts) {
                    unitsSet &= confirmed(call("true-up-units:" + prefix + ":" + payout.operatorId(), "POOL_UNITS",
                            forwarder().updateMemberUnits(trueUpPool, payout.address(), payout.trueUpUnits(), NO_USER_DATA)
                                    .encodeFunctionCall())).isPresent();
                    total = total.add(payout.trueUpUnits());
                }
                if (!unitsSet) {
                    return;
                }
                if (total.signum() > 0 && confirmed(call("true-up:" + prefix, "POOL_DISTRIBUTE", forwarder()
                        .distribute(token(), treasury(), trueUpPool, total, NO_USER_DATA).encodeFunctionCall())).isEmpty()) {
                    return;
                }
                store.moveEpoch(model, epoch, "DISTRIBUTING", "CLAIMING", now);
            }
            case "CLAIMING" -> {
                List<PayStore.Payout> payouts = store.payouts(model, epoch);
                boolean claimed = true;
                for (PayStore.Payout payout : payouts) {
                    for (String pool : List.of(flowPool, trueUpPool)) {
                        String which = pool.equals(flowPool) ? "flow" : "true-up";
                        claimed &= confirmed(call("claim:" + prefix + ":" + payout.operatorId() + ":" + which, "POOL_CLAIM",
                                forwarder().claimAll(pool, payout.address(), NO_USER_DATA).encodeFunctionCall())).isPresent();
                    }
                }
                if (!claimed) {
                    return;
                }
                List<PayoutSettled> settled = settledPayouts(model, epoch, payouts, now);
                store.settle(model, epoch,
                        settled.stream().map(p -> new Outbox.Entry(Topics.PAYMENT, p.getOperatorId(), p)).toList(),
                        settled.stream().map(this::notice).toList(), outbox, deliveries, now);
                LOG.infof("coalition %s: epoch %d settled for %d operators", model, epoch, payouts.size());
            }
            default -> { }
        }
    }

    /**
     * Moves the flow distribution on: finishes the update under way, if any, and when {@code newTick} starts one per
     * flow interval. Each operator's units are its unpaid earnings in base units, so its share of the flow is its
     * share of what is unpaid; the rate follows the recent earnings rate but never exceeds what is unpaid divided
     * by the horizon. Answers whether no update is under way any more.
     */
    private boolean advanceFlow(PayStore.Coalition coalition, String flowPool, String trueUpPool, Instant now,
            boolean newTick) throws Exception {
        String model = coalition.modelId();
        long tick;
        BigInteger rate;
        if (coalition.pendingTick().isEmpty()) {
            tick = Math.floorDiv(now.toEpochMilli(), config.flowInterval().toMillis());
            if (!newTick || tick <= coalition.flowTick()) {
                return true;
            }
        } else {
            tick = coalition.pendingTick().get();
        }
        // Read from the chain only once an update runs: most passes fall within a flow interval already done.
        Map<String, BigInteger> unpaid = unpaid(model, now, flowPool, trueUpPool);
        if (coalition.pendingTick().isPresent()) {
            rate = coalition.pendingRate().orElseThrow();
        } else {
            rate = flowRate(model, now, unpaid);
            if (rate.signum() == 0 && coalition.flowRate().signum() == 0) {
                return true;
            }
            store.startFlowUpdate(model, tick, rate);
        }
        String prefix = model + ":" + tick;
        boolean unitsSet = true;
        for (Map.Entry<String, BigInteger> member : unpaid.entrySet()) {
            BigInteger units = member.getValue().divide(UNITS_PER_BASE_UNIT);
            unitsSet &= confirmed(once("flow-units:" + prefix + ":" + member.getKey(), "POOL_UNITS", () -> forwarder()
                    .updateMemberUnits(flowPool, member.getKey(), units, NO_USER_DATA).encodeFunctionCall())).isPresent();
        }
        if (!unitsSet) {
            return false;
        }
        BigInteger requested = rate;
        if (confirmed(once("flow-rate:" + prefix, "FLOW_UPDATE", () -> forwarder()
                .distributeFlow(token(), treasury(), flowPool, requested, NO_USER_DATA).encodeFunctionCall())).isEmpty()) {
            return false;
        }
        store.finishFlowUpdate(model);
        return true;
    }

    /** What each paid operator (by address) is owed beyond what the pools paid it, floored to whole base units. */
    private Map<String, BigInteger> unpaid(String model, Instant now, String flowPool, String trueUpPool) throws Exception {
        Map<String, BigInteger> unpaid = new TreeMap<>();
        Set<String> slashed = sessions.slashedSince(model, Epochs.start(Epochs.of(now, config.epochLength()),
                config.epochLength()));
        for (PayStore.Earned earned : store.earnedBefore(model, now)) {
            if (earned.address().isEmpty()) {
                continue;
            }
            String address = earned.address().get();
            if (slashed.contains(earned.operatorId())) {
                // No flow to a slashed operator until the epoch's true-up has settled what it is still owed.
                unpaid.put(address, BigInteger.ZERO);
                continue;
            }
            BigInteger owed = target(earned.nanoUsd()).subtract(received(address, flowPool, trueUpPool));
            unpaid.put(address, owed.max(BigInteger.ZERO));
        }
        return unpaid;
    }

    private BigInteger flowRate(String model, Instant now, Map<String, BigInteger> unpaid) {
        BigInteger totalUnits = unpaid.values().stream().map(u -> u.divide(UNITS_PER_BASE_UNIT))
                .reduce(BigInteger.ZERO, BigInteger::add);
        if (totalUnits.signum() == 0) {
            return BigInteger.ZERO;
        }
        BigInteger totalUnpaid = unpaid.values().stream().reduce(BigInteger.ZERO, BigInteger::add);
        long windowSeconds = Math.max(1, config.flowWindow().toSeconds());
        BigInteger recentRate = BigInteger.valueOf(store.earnedInWindow(model, now.minus(config.flowWindow()), now))
                .multiply(UNITS_PER_NANO_USD).divide(BigInteger.valueOf(windowSeconds));
        BigInteger cap = totalUnpaid.divide(BigInteger.valueOf(Math.max(1, config.flowHorizon().toSeconds())));
        return recentRate.min(cap);
    }

    private BigInteger received(String address, String flowPool, String trueUpPool) throws Exception {
        return pool(flowPool).getTotalAmountReceivedByMember(address).send()
                .add(pool(trueUpPool).getTotalAmountReceivedByMember(address).send());
    }

    private static BigInteger target(long earnedNanoUsd) {
        return BigInteger.valueOf(earnedNanoUsd / NANO_USD_PER_BASE_UNIT).multiply(UNITS_PER_BASE_UNIT);
    }

    /** Each operator with a payout address: its target, the carried rest, what it has received, its shortfall. */
    private List<PayStore.Payout> plan(String model, Instant endsAt, String flowPool, String trueUpPool) throws Exception {
        List<PayStore.Payout> payouts = new ArrayList<>();
        for (PayStore.Earned earned : store.earnedBefore(model, endsAt)) {
            if (earned.address().isEmpty()) {
                LOG.warnf("coalition %s: operator %s has no payout address; its earnings wait for one", model,
                        earned.operatorId());
                continue;
            }
            String address = earned.address().get();
            BigInteger target = target(earned.nanoUsd());
            BigInteger received = received(address, flowPool, trueUpPool);
            BigInteger shortfall = target.subtract(received);
            if (shortfall.signum() < 0) {
                LOG.errorf("coalition %s: operator %s received %s units, more than its earnings' %s", model,
                        earned.operatorId(), received, target);
                shortfall = BigInteger.ZERO;
            }
            payouts.add(new PayStore.Payout(earned.operatorId(), address, earned.nanoUsd(), target,
                    earned.nanoUsd() % NANO_USD_PER_BASE_UNIT, received, shortfall));
        }
        return payouts;
    }

    private List<PayoutSettled> settledPayouts(String model, long epoch, List<PayStore.Payout> payouts, Instant now) {
        String txHash = actions.byKey("true-up:" + model + ":" + epoch).flatMap(ChainAction::txHash).orElse("");
        List<PayoutSettled> events = new ArrayList<>();
        for (PayStore.Payout payout : payouts) {
            BigInteger before = store.previousPayout(model, epoch, payout.operatorId())
                    .map(PayStore.Payout::targetUnits).orElse(BigInteger.ZERO);
            BigInteger settled = payout.targetUnits().subtract(before);
            if (settled.signum() <= 0) {
                continue;
            }
            events.add(PayoutSettled.newBuilder()
                    .setPayoutId(UUID.nameUUIDFromBytes((model + "/" + epoch + "/" + payout.operatorId())
                            .getBytes(StandardCharsets.UTF_8)).toString())
                    .setOperatorId(payout.operatorId())
                    .setAmountNanoUsd(settled.divide(UNITS_PER_NANO_USD).longValueExact())
                    .setEpoch(epoch)
                    .setPayoutAddress(payout.address())
                    .setTxHash(txHash)
                    .setTokenAmount(settled.toString())
                    .setSettledAt(Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()))
                    .build());
        }
        return events;
    }

    /**
     * The {@code payout.settled} webhook event, for the endpoints of the owner whose Keycloak subject is the
     * operator's id.
     */
    private WebhookDeliveries.Event notice(PayoutSettled payout) {
        Instant settledAt = Instant.ofEpochSecond(payout.getSettledAt().getSeconds(), payout.getSettledAt().getNanos());
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("payoutId", payout.getPayoutId());
        data.put("operatorId", payout.getOperatorId());
        data.put("amountNanoUsd", payout.getAmountNanoUsd());
        data.put("epoch", payout.getEpoch());
        data.put("payoutAddress", payout.getPayoutAddress());
        data.put("txHash", payout.getTxHash());
        data.put("tokenAmount", payout.getTokenAmount());
        data.put("settledAt", settledAt.toString());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", payout.getPayoutId());
        body.put("type", PaymentEvent.PAYOUT_SETTLED.wireName());
        body.put("created", settledAt.toString());
        body.put("data", data);
        try {
            return new WebhookDeliveries.Event(payout.getOperatorId(), payout.getPayoutId(),
                    PaymentEvent.PAYOUT_SETTLED.wireName(), json.writeValueAsString(body));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private ChainAction call(String key, String kind, String callData) {
        return actions.call(key, kind, chain.config().superfluid().gdaForwarderAddress(), callData);
    }

    /**
     * The action recorded under {@code key}, or a new one: for calls computed from the chain's state, which a later
     * pass would compute differently, the first proposal stands.
     */
    private ChainAction once(String key, String kind, Supplier<String> callData) {
        return actions.byKey(key).orElseGet(() -> call(key, kind, callData.get()));
    }

    /** The action once CONFIRMED; empty while it is on its way. A FAILED one stops the settlement where it is. */
    private static Optional<ChainAction> confirmed(ChainAction action) {
        if (action.state() == ChainAction.State.FAILED) {
            throw new ChainActionFailed("chain action " + action.idempotencyKey() + " FAILED: "
                    + action.failure().orElse(""));
        }
        return action.state() == ChainAction.State.CONFIRMED ? Optional.of(action) : Optional.empty();
    }

    private IGDAv1Forwarder forwarder() {
        return IGDAv1Forwarder.load(chain.config().superfluid().gdaForwarderAddress(), chain.web3j(),
                new ReadonlyTransactionManager(chain.web3j(), treasury()), new DefaultGasProvider());
    }

    private ISuperfluidPool pool(String address) {
        return ISuperfluidPool.load(address, chain.web3j(), new ReadonlyTransactionManager(chain.web3j(), treasury()),
                new DefaultGasProvider());
    }

    private String token() {
        return chain.config().superTokenAddress();
    }

    private String treasury() {
        return chain.treasury().getAddress();
    }
}
