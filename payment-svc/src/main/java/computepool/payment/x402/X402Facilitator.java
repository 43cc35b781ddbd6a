package computepool.payment.x402;

import computepool.payment.chain.Chain;
import computepool.payment.chain.ChainAction;
import computepool.payment.chain.ChainActions;
import computepool.payment.chain.Eip712Domain;
import computepool.payment.chain.TransferAuthorization;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import org.web3j.crypto.Sign;
import org.web3j.utils.Numeric;

/**
 * Verifies and settles x402 {@code exact} payments: an EIP-3009 authorization of the platform's token, signed by the
 * payer for exactly the required amount to the platform's treasury. Settling submits it from the treasury as a chain
 * action keyed by payer and nonce, so a repeated settlement of one authorization is the same transaction.
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
    private final Clock clock;

    public X402Facilitator(Chain chain, ChainActions actions, Clock clock) {
        this.chain = chain;
        this.actions = actions;
        this.clock = clock;
    }

    /** The network name this facilitator settles on: CAIP-2, {@code eip155:<chain id>}. */
    public String network() {
        return "eip155:" + chain.config().chainId();
    }

    public X402.VerifyResponse verify(X402.FacilitatorRequest request) throws Exception {
        Checked checked = check(request);
        if (checked.invalid().isPresent()) {
            return X402.VerifyResponse.invalid(checked.invalid().get(), checked.payer());
        }
        return new X402.VerifyResponse(true, null, checked.payer());
    }

    public X402.SettleResponse settle(X402.FacilitatorRequest request, Duration wait) throws Exception {
        Optional<ChainAction> earlier = settlementOf(request);
        Checked checked = earlier.isPresent() ? null : check(request);
        if (checked != null && checked.invalid().isPresent()) {
            return new X402.SettleResponse(false, checked.invalid().get(), null, network(), checked.payer());
        }
        String payer = earlier.isPresent() ? payerOf(request) : checked.payer();
        ChainAction action = earlier.orElseGet(() -> submit(checked));
        long deadline = System.nanoTime() + wait.toNanos();
        while (action.state() != ChainAction.State.CONFIRMED && action.state() != ChainAction.State.FAILED
                && System.nanoTime() < deadline) {
            Thread.sleep(100);
            action = actions.byKey(action.idempotencyKey()).orElseThrow();
        }
        return switch (action.state()) {
            case CONFIRMED -> new X402.SettleResponse(true, null, action.txHash().orElseThrow(), network(), payer);
            case FAILED -> new X402.SettleResponse(false, "unexpected_settle_error", action.txHash().orElse(null),
                    network(), payer);
            default -> new X402.SettleResponse(false, "unexpected_settle_error", action.txHash().orElse(null), network(),
                    payer);
        };
    }

    private record Checked(Optional<String> invalid, String payer, TransferAuthorization authorization,
            Sign.SignatureData signature) {

        static Checked invalid(String reason, String payer) {
            return new Checked(Optional.of(reason), payer, null, null);
        }
    }

    private Checked check(X402.FacilitatorRequest request) throws Exception {
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
