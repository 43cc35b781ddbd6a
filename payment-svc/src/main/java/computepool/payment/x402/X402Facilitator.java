package computepool.payment.x402;

import computepool.payment.chain.Chain;
import computepool.payment.chain.ChainAction;
import computepool.payment.chain.ChainActions;
import computepool.payment.chain.Eip712Domain;
import computepool.payment.chain.TransferAuthorization;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.smallrye.mutiny.unchecked.Unchecked;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.regex.Pattern;
import org.web3j.crypto.Sign;
import org.web3j.utils.Numeric;

/**
 * Verifies and settles x402 {@code exact} payments: an EIP-3009 authorization of the platform's token, signed by the
 * payer for exactly the required amount (no less than the configured minimum) to the platform's treasury. Settling
 * submits it from the treasury as a chain action keyed by payer and nonce, bound to the requirements it settled
 * under: a repeated settlement under the same requirements is the same transaction, under others it is refused.
 */
@ApplicationScoped
public class X402Facilitator {

    /** An authorization must stay valid at least this long after verification, to be mined in time. */
    static final Duration MINIMUM_VALIDITY = Duration.ofSeconds(6);
    static final String SETTLEMENT = "X402_SETTLEMENT";
    private static final Pattern ADDRESS = Pattern.compile("0x[0-9a-fA-F]{40}");
    private static final Pattern NONCE = Pattern.compile("0x[0-9a-fA-F]{64}");
    private static final Pattern SIGNATURE = Pattern.compile("0x[0-9a-fA-F]{130}");
    private static final Pattern UNSIGNED = Pattern.compile("[0-9]{1,78}");

    private final Chain chain;
    private final ChainActions actions;
    private final X402Settlements settlements;
    private final X402Config config;
    private final Clock clock;
    private final Semaphore settling;

    public X402Facilitator(Chain chain, ChainActions actions, X402Settlements settlements, X402Config config,
            Clock clock) {
        this.chain = chain;
        this.actions = actions;
        this.settlements = settlements;
        this.config = config;
        this.clock = clock;
        this.settling = new Semaphore(config.maxConcurrentSettlements());
    }

    /** The network name this facilitator settles on: CAIP-2, {@code eip155:<chain id>}. */
    public String network() {
        return "eip155:" + chain.config().chainId();
    }

    /**
     * Whether the payment would settle. A payment settled before under the same requirements (and not failed) is
     * valid while its authorization is: its retry is answered the first settlement's transaction, so its nonce being
     * used, or the funds it moved, do not make it invalid.
     */
    public X402.VerifyResponse verify(X402.FacilitatorRequest request) throws Exception {
        Optional<ChainAction> earlier = settlementOf(request);
        boolean settledBefore = earlier.isPresent() && earlier.get().state() != ChainAction.State.FAILED
                && settlements.boundTo(earlier.get().idempotencyKey())
                        .map(request.voucher().requirementsDigest()::equals).orElse(false);
        Checked checked = check(request, settledBefore);
        if (checked.invalid().isPresent()) {
            return X402.VerifyResponse.invalid(checked.invalid().get(), checked.payer());
        }
        return new X402.VerifyResponse(true, null, checked.payer());
    }

    /**
     * Settles the payment, or answers how an earlier settlement of it went, waiting for its transaction at most
     * {@code wait}. The wait holds no thread: the chain action is looked at every poll interval from the worker pool.
     * At most {@link X402Config#maxConcurrentSettlements()} settlements wait at once; one more fails at once with
     * {@link SettlementsBusy}.
     */
    public Uni<X402.SettleResponse> settle(X402.FacilitatorRequest request, Duration wait) {
        if (!settling.tryAcquire()) {
            return Uni.createFrom().failure(new SettlementsBusy());
        }
        long deadline = System.nanoTime() + wait.toNanos();
        return Uni.createFrom().item(Unchecked.supplier(() -> begin(request)))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .chain(started -> started.answer() != null ? Uni.createFrom().item(started.answer())
                        : settled(started.actionKey(), deadline).map(action -> answer(action, started.payer())))
                .eventually(() -> settling.release());
    }

    /** More settlements are waiting than the facilitator waits on at once. */
    public static final class SettlementsBusy extends RuntimeException {
        SettlementsBusy() {
            super("too many settlements are waiting for their transactions", null, false, false);
        }
    }

    /** A settlement under way (its chain action's key), or its answer already. */
    private record Started(X402.SettleResponse answer, String actionKey, String payer) {
    }

    private Started begin(X402.FacilitatorRequest request) throws Exception {
        X402.Voucher voucher = request.voucher();
        String digest = voucher.requirementsDigest();
        Optional<ChainAction> earlier = settlementOf(request);
        if (earlier.isPresent()) {
            String key = earlier.get().idempotencyKey();
            if (!settlements.boundTo(key).map(digest::equals).orElse(false)) {
                return refused("invalid_transaction_state", payerOf(request));
            }
            return new Started(null, key, payerOf(request));
        }
        Checked checked = check(request, false);
        if (checked.invalid().isPresent()) {
            return refused(checked.invalid().get(), checked.payer());
        }
        TransferAuthorization authorization = checked.authorization();
        String key = key(authorization.from(), Numeric.toHexString(authorization.nonce()));
        // Bound before the transaction is proposed: of two settlements under different requirements, one wins.
        if (!settlements.bind(key, digest, voucher.resource(), clock.instant()).equals(digest)) {
            return refused("invalid_transaction_state", checked.payer());
        }
        return new Started(null, submit(checked).idempotencyKey(), checked.payer());
    }

    private Started refused(String reason, String payer) {
        return new Started(new X402.SettleResponse(false, reason, null, network(), payer), null, payer);
    }

    /** The chain action once it is confirmed or failed, or as it stands at the deadline. */
    private Uni<ChainAction> settled(String actionKey, long deadline) {
        return Uni.createFrom().item(() -> actions.byKey(actionKey).orElseThrow())
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .chain(action -> {
                    boolean ended = action.state() == ChainAction.State.CONFIRMED
                            || action.state() == ChainAction.State.FAILED;
                    if (ended || System.nanoTime() >= deadline) {
                        return Uni.createFrom().item(action);
                    }
                    return Uni.createFrom().voidItem().onItem().delayIt().by(config.pollInterval())
                            .chain(() -> settled(actionKey, deadline));
                });
    }

    private X402.SettleResponse answer(ChainAction action, String payer) {
        if (action.state() == ChainAction.State.CONFIRMED) {
            return new X402.SettleResponse(true, null, action.txHash().orElseThrow(), network(), payer);
        }
        return new X402.SettleResponse(false, "unexpected_settle_error", action.txHash().orElse(null), network(),
                payer);
    }

    private record Checked(Optional<String> invalid, String payer, TransferAuthorization authorization,
            Sign.SignatureData signature) {

        static Checked invalid(String reason, String payer) {
            return new Checked(Optional.of(reason), payer, null, null);
        }
    }

    /** Checks the payment; {@code settledBefore} leaves out what its own settlement changed on chain. */
    private Checked check(X402.FacilitatorRequest request, boolean settledBefore) throws Exception {
        X402.Voucher voucher = request.voucher();
        String payer = payerOf(request);
        if (!X402.EXACT.equals(voucher.paidScheme()) || !X402.EXACT.equals(voucher.scheme())) {
            return Checked.invalid("unsupported_scheme", payer);
        }
        if (!network().equals(voucher.paidNetwork()) || !network().equals(voucher.network())) {
            return Checked.invalid("invalid_network", payer);
        }
        // Only payments to the platform's treasury: the treasury pays the settlement's gas, and would otherwise pay
        // it for transfers between strangers. A version 2 payment must have accepted what is asked of it.
        if (!voucher.asset().equalsIgnoreCase(chain.config().tokenAddress())
                || !voucher.payTo().equalsIgnoreCase(chain.treasury().getAddress())
                || !UNSIGNED.matcher(voucher.amount()).matches() || !voucher.acceptedAsRequired()) {
            return Checked.invalid("invalid_payment_requirements", payer);
        }
        if (new BigInteger(voucher.amount()).compareTo(BigInteger.valueOf(config.minimumAmount())) < 0) {
            // Below what the treasury settles: its gas would cost more than the payment brings.
            return Checked.invalid("invalid_payment_requirements", payer);
        }
        if (new BigInteger(voucher.amount()).compareTo(VoucherSettledNotice.MAXIMUM_AMOUNT) > 0) {
            // More than the ledger's int64 nano-USD can book: a settlement billing could not record.
            return Checked.invalid("invalid_payment_requirements", payer);
        }
        X402.ExactEvmPayload exact = voucher.exact();
        X402.Authorization given = exact.authorization();
        if (!SIGNATURE.matcher(exact.signature()).matches()
                || !matches(ADDRESS, given.from()) || !matches(ADDRESS, given.to()) || !matches(UNSIGNED, given.value())
                || !matches(UNSIGNED, given.validAfter()) || !matches(UNSIGNED, given.validBefore())
                || !matches(NONCE, given.nonce())) {
            return Checked.invalid("invalid_payload", payer);
        }
        if (!given.to().equalsIgnoreCase(voucher.payTo())) {
            return Checked.invalid("invalid_exact_evm_payload_recipient_mismatch", payer);
        }
        BigInteger value = new BigInteger(given.value());
        if (value.compareTo(new BigInteger(voucher.amount())) != 0) {
            return Checked.invalid("invalid_exact_evm_payload_authorization_value", payer);
        }
        BigInteger now = BigInteger.valueOf(clock.instant().getEpochSecond());
        BigInteger validAfter = new BigInteger(given.validAfter());
        BigInteger validBefore = new BigInteger(given.validBefore());
        if (validAfter.compareTo(now) > 0) {
            return Checked.invalid("invalid_exact_evm_payload_authorization_valid_after", payer);
        }
        if (validBefore.compareTo(now.add(BigInteger.valueOf(MINIMUM_VALIDITY.toSeconds()))) < 0) {
            return Checked.invalid("invalid_exact_evm_payload_authorization_valid_before", payer);
        }
        TransferAuthorization authorization = new TransferAuthorization(given.from(), given.to(), value,
                validAfter.longValueExact(), validBefore.longValueExact(), Numeric.hexStringToByteArray(given.nonce()));
        Sign.SignatureData signature = signature(exact.signature());
        Eip712Domain domain = chain.tokenDomain();
        String signer;
        try {
            signer = authorization.signer(domain, signature);
        } catch (java.security.SignatureException | IllegalArgumentException e) {
            return Checked.invalid("invalid_exact_evm_payload_signature", payer);
        }
        if (!signer.equalsIgnoreCase(given.from())) {
            return Checked.invalid("invalid_exact_evm_payload_signature", payer);
        }
        if (settledBefore) {
            return new Checked(Optional.empty(), payer, authorization, signature);
        }
        if (chain.token().authorizationState(given.from(), authorization.nonce()).send()) {
            return Checked.invalid("invalid_transaction_state", payer);
        }
        if (chain.token().balanceOf(given.from()).send().compareTo(value) < 0) {
            return Checked.invalid("insufficient_funds", payer);
        }
        return new Checked(Optional.empty(), payer, authorization, signature);
    }

    private ChainAction submit(Checked checked) {
        TransferAuthorization a = checked.authorization();
        Sign.SignatureData s = checked.signature();
        String callData = chain.token().transferWithAuthorization(a.from(), a.to(), a.value(),
                BigInteger.valueOf(a.validAfter()), BigInteger.valueOf(a.validBefore()), a.nonce(),
                BigInteger.valueOf(Byte.toUnsignedInt(s.getV()[0])), s.getR(), s.getS()).encodeFunctionCall();
        return actions.call(key(a.from(), Numeric.toHexString(a.nonce())), SETTLEMENT, chain.config().tokenAddress(),
                callData);
    }

    private Optional<ChainAction> settlementOf(X402.FacilitatorRequest request) {
        X402.Authorization given = request.voucher().exact().authorization();
        if (!matches(ADDRESS, given.from()) || !matches(NONCE, given.nonce())) {
            return Optional.empty();
        }
        return actions.byKey(key(given.from(), given.nonce()));
    }

    private static String key(String payer, String nonce) {
        return "x402:" + payer.toLowerCase(Locale.ROOT) + ":" + nonce.toLowerCase(Locale.ROOT);
    }

    private static String payerOf(X402.FacilitatorRequest request) {
        return request.voucher().exact().authorization().from();
    }

    /** 65 bytes r ‖ s ‖ v, as wallets sign typed data. */
    private static Sign.SignatureData signature(String hex) {
        byte[] bytes = Numeric.hexStringToByteArray(hex);
        byte v = bytes[64];
        if (v < 27) {
            v += 27;
        }
        return new Sign.SignatureData(v, java.util.Arrays.copyOfRange(bytes, 0, 32),
                java.util.Arrays.copyOfRange(bytes, 32, 64));
    }

    private static boolean matches(Pattern pattern, String value) {
        return value != null && pattern.matcher(value).matches();
    }
}
