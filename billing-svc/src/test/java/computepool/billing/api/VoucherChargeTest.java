package computepool.billing.api;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import computepool.auth.InternalCalls;
import computepool.billing.support.BillingFixture;
import computepool.billing.v1.ChargeApplied;
import computepool.billing.v1.HoldServiceGrpc;
import computepool.billing.v1.OperatorEarned;
import computepool.billing.v1.QuoteRequest;
import computepool.billing.v1.QuoteResponse;
import com.google.protobuf.Timestamp;
import computepool.localstack.quarkus.LocalStackTestResource;
import computepool.localstack.quarkus.TestLogins;
import computepool.payment.v1.VoucherSettled;
import computepool.usage.v1.InferenceUsage;
import computepool.usage.v1.VoucherPayment;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.runtime.GrpcServer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Requests paid one by one with x402 vouchers: quoted at their maximum cost, booked as received when payment-svc
 * confirms the transfer, charged what the voucher paid when served (once per transfer), with the operators credited
 * by what the tokens actually used cost. The fixture's price is 100 nano-USD per prompt token and
 * 200 per completion token; its usage (1,234 prompt and 567 completion tokens) costs 236,800, of which operator a
 * earns 53,280 and operator b 159,840.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalStackTestResource.class, initArgs = @ResourceArg(name = "database", value = "billing_test"))
class VoucherChargeTest {

    /** 1,234 prompt tokens and up to 1,000 completion tokens. */
    private static final long QUOTE = 1234 * 100 + 1000 * 200;
    private static final String PAYER = "0x" + "5a".repeat(20);

    @Inject
    Pool database;

    @Inject
    GrpcServer grpc;

    private BillingFixture fixture;
    private ManagedChannel channel;
    private HoldServiceGrpc.HoldServiceBlockingStub billing;

    @BeforeEach
    void setUp() {
        fixture = new BillingFixture(database).started();
        channel = InternalCalls.channel(grpc.getPort());
        billing = InternalCalls.bearing(HoldServiceGrpc.newBlockingStub(channel), TestLogins.service("gateway-svc"));
    }

    @AfterEach
    void tearDown() {
        channel.shutdownNow();
        fixture.close();
        assertEquals(0, fixture.unbalancedTransactions());
    }

    private InferenceUsage paidByVoucher(String requestId, long paid) {
        return paidByVoucher(requestId, paid, transaction());
    }

    private InferenceUsage paidByVoucher(String requestId, long paid, String transaction) {
        return fixture.usage(requestId, "2026-04-01T12:00:00Z").toBuilder()
                .clearDeveloperId()
                .clearApiKeyId()
                .setVoucher(VoucherPayment.newBuilder().setPayer(PAYER).setPaidNanoUsd(paid)
                        .setNetwork("eip155:31337").setTransaction(transaction))
                .build();
    }

    /** A transaction hash of its own, lower case. */
    private static String transaction() {
        return "0x" + (UUID.randomUUID().toString() + UUID.randomUUID()).replace("-", "");
    }

    private static VoucherSettled settled(String transaction, long paid) {
        return VoucherSettled.newBuilder().setSettlementKey("x402:" + PAYER + ":0x" + "01".repeat(32))
                .setPayer(PAYER).setPaidNanoUsd(paid).setTokenAmount(Long.toString(paid / 1000))
                .setNetwork("eip155:31337").setTransaction(transaction).setBlockNumber(7)
                .setResource("http://127.0.0.1/v1/chat/completions")
                .setSettledAt(Timestamp.newBuilder().setSeconds(1_775_044_800)).build();
    }

    @Test
    void theQuoteIsThePromptAndEveryCompletionTokenAtTheModelsPriceNow() {
        QuoteResponse quote = billing.quote(QuoteRequest.newBuilder().setModelId(fixture.model).setPromptTokens(1234)
                .setMaxCompletionTokens(1000).build());
        assertEquals(QUOTE, quote.getMaxCostNanoUsd());
        assertEquals("inference.tokens", quote.getMeter());

        StatusRuntimeException unpriced = assertThrows(StatusRuntimeException.class, () -> billing.quote(
                QuoteRequest.newBuilder().setModelId("unpriced-" + UUID.randomUUID()).setPromptTokens(1).build()));
        assertEquals(Status.Code.FAILED_PRECONDITION, unpriced.getStatus().getCode());
        StatusRuntimeException blank = assertThrows(StatusRuntimeException.class, () -> billing.quote(
                QuoteRequest.newBuilder().setModelId(" ").build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, blank.getStatus().getCode());
        assertTrue(blank.getStatus().getDescription().contains("model_id"), blank.getStatus().getDescription());
        StatusRuntimeException negative = assertThrows(StatusRuntimeException.class, () -> billing.quote(
                QuoteRequest.newBuilder().setModelId(fixture.model).setMaxCompletionTokens(-1).build()));
        assertTrue(negative.getStatus().getDescription().contains("max_completion_tokens"),
                negative.getStatus().getDescription());
    }

    @Test
    void aVoucherPaysItsQuoteOnceAndOperatorsEarnWhatTheTokensUsedCost() throws Exception {
        String requestId = "req-" + UUID.randomUUID();
        String transaction = transaction();
        var record = fixture.send("usage", PAYER, paidByVoucher(requestId, QUOTE, transaction));
        fixture.send(record);
        String operatorA = "op-a-" + fixture.developerId;
        String operatorB = "op-b-" + fixture.developerId;

        // Behind both deliveries on the payer's partition: once it is booked, so is every delivery before it.
        String later = "req-" + UUID.randomUUID();
        String laterTransaction = transaction();
        fixture.send("usage", PAYER, paidByVoucher(later, QUOTE, laterTransaction));
        fixture.awaitPostings("voucher-served", laterTransaction);

        assertEquals(Map.of("VOUCHERS_UNSERVED", -QUOTE, operatorA, 53_280L, operatorB, 159_840L,
                "PLATFORM_REVENUE", QUOTE - 53_280 - 159_840), fixture.postingsOf("voucher-served", transaction));
        List<ChargeApplied> charges = new ArrayList<>();
        for (byte[] payload : fixture.outboxPayloads(PAYER, "computepool.billing.v1.ChargeApplied")) {
            ChargeApplied charge = ChargeApplied.parseFrom(payload);
            if (charge.getRequestId().equals(requestId)) {
                charges.add(charge);
            }
        }
        assertEquals(1, charges.size(), "booked once however often the usage arrives");
        ChargeApplied applied = charges.get(0);
        assertEquals(PAYER, applied.getVoucherPayer());
        assertEquals("", applied.getDeveloperId());
        assertEquals(QUOTE, applied.getAmountNanoUsd());
        List<byte[]> earned = fixture.outboxPayloads(operatorB, "computepool.billing.v1.OperatorEarned");
        assertEquals(2, earned.size(), "one earning per request");
        assertEquals(159_840, OperatorEarned.parseFrom(earned.get(0)).getAmountNanoUsd());
        assertEquals(fixture.model, OperatorEarned.parseFrom(earned.get(0)).getModelId());

        given().auth().oauth2(TestLogins.admin()).get("/v1/admin/operators/" + operatorB + "/statements/2026-04")
                .then().statusCode(200)
                .body("totalNanoUsd", equalTo(2 * 159_840))
                .body("unpaidNanoUsd", equalTo(2 * 159_840));
        assertEquals(1, fixture.count("select count(*) from charge where request_id = $1 and developer_id is null "
                + "and voucher_payer = $2 and amount_nano_usd = $3", requestId, PAYER, QUOTE));
    }

    @Test
    void operatorsNeverEarnMoreThanTheVoucherPaid() {
        // Paid less than the tokens cost (the price rose between quote and use): operators split what was paid.
        String requestId = "req-" + UUID.randomUUID();
        long paid = 100_000;
        String transaction = transaction();
        fixture.send("usage", PAYER, paidByVoucher(requestId, paid, transaction));
        Map<String, Long> postings = fixture.awaitPostings("voucher-served", transaction);
        long operators = postings.get("op-a-" + fixture.developerId) + postings.get("op-b-" + fixture.developerId);
        assertEquals(90_000, operators, "the operators' part of what was paid, after the platform's 10 %");
        assertEquals(paid - operators, postings.get("PLATFORM_REVENUE"));
        assertEquals(-paid, postings.get("VOUCHERS_UNSERVED"));
    }

    @Test
    void aConfirmedTransferIsBookedOnceAsReceivedAndPaysForOneRequestOnly() {
        String transaction = transaction();
        fixture.send("payment", PAYER, settled(transaction, QUOTE));
        fixture.send("payment", PAYER, settled(transaction, QUOTE));
        // Behind both deliveries on the payer's partition.
        String laterTransaction = transaction();
        fixture.send("payment", PAYER, settled(laterTransaction, 5_000));
        fixture.awaitPostings("voucher-settled", laterTransaction);
        assertEquals(Map.of("VOUCHERS_RECEIVED", -QUOTE, "VOUCHERS_UNSERVED", QUOTE),
                fixture.postingsOf("voucher-settled", transaction), "paid on chain: booked though nothing is served");
        assertEquals(1, fixture.count("select count(*) from ledger_transaction where reference = $1", transaction));

        // Its request names the transaction in upper-case hex: the same transfer.
        String served = "req-" + UUID.randomUUID();
        fixture.send("usage", PAYER, paidByVoucher(served, QUOTE, "0x" + transaction.substring(2).toUpperCase()));
        fixture.awaitPostings("voucher-served", transaction);
        String again = "req-" + UUID.randomUUID();
        fixture.send("usage", PAYER, paidByVoucher(again, QUOTE, transaction));
        String behind = "req-" + UUID.randomUUID();
        String behindTransaction = transaction();
        fixture.send("usage", PAYER, paidByVoucher(behind, QUOTE, behindTransaction));
        fixture.awaitPostings("voucher-served", behindTransaction);

        assertEquals(0, fixture.count("""
                select coalesce(sum(p.amount_nano_usd), 0) from posting p
                join ledger_transaction t on t.id = p.transaction_id
                where t.reference = $1 and p.account_id = '00000000-0000-0000-0000-00000000f007'""", transaction),
                "served once: nothing of the transfer is left unserved");
        assertEquals(1, fixture.count("select count(*) from charge where request_id = $1", served));
        assertEquals(0, fixture.count("select count(*) from charge where request_id = $1", again),
                "a transfer pays for one request");
    }

    @Test
    void aMalformedSettlementIsParkedAndBooksNothing() {
        // A payer of its own, so that earlier runs' parked records on a reused database are not counted.
        String noTransaction = "0x" + UUID.randomUUID().toString().replace("-", "").substring(0, 8) + "cd".repeat(16);
        fixture.send("payment", noTransaction, settled("0x1234", QUOTE).toBuilder().setPayer(noTransaction).build());
        String nothingPaid = transaction();
        fixture.send("payment", nothingPaid, settled(nothingPaid, 0));
        await().atMost(BillingFixture.EVENTUALLY).until(() -> fixture.count(
                "select count(*) from parked_event where consumer = 'billing-payouts' and record_key = any($1)",
                (Object) new String[] {noTransaction, nothingPaid}) == 2);
        assertEquals(0, fixture.count("select count(*) from ledger_transaction where reference in ($1, $2)",
                "0x1234", nothingPaid));
    }

    @Test
    void aMalformedVoucherIsParkedWithItsReasonAndBooksNothing() {
        String badPayer = "req-" + UUID.randomUUID();
        String nothingPaid = "req-" + UUID.randomUUID();
        String alsoADeveloper = "req-" + UUID.randomUUID();
        fixture.send("usage", badPayer, paidByVoucher(badPayer, QUOTE).toBuilder()
                .setVoucher(VoucherPayment.newBuilder().setPayer("0x1234").setPaidNanoUsd(QUOTE)).build());
        fixture.send("usage", nothingPaid, paidByVoucher(nothingPaid, 0));
        String noTransaction = "req-" + UUID.randomUUID();
        fixture.send("usage", noTransaction, paidByVoucher(noTransaction, QUOTE, "0xab"));
        fixture.send("usage", alsoADeveloper, paidByVoucher(alsoADeveloper, QUOTE).toBuilder()
                .setDeveloperId(fixture.developerId).build());

        await().atMost(BillingFixture.EVENTUALLY).until(() -> fixture.parkedReasons(badPayer).contains("voucher.payer"));
        await().atMost(BillingFixture.EVENTUALLY).until(() -> fixture.parkedReasons(nothingPaid)
                .contains("voucher.paid_nano_usd"));
        await().atMost(BillingFixture.EVENTUALLY).until(() -> fixture.parkedReasons(alsoADeveloper)
                .contains("must name no developer"));
        await().atMost(BillingFixture.EVENTUALLY).until(() -> fixture.parkedReasons(noTransaction)
                .contains("voucher.transaction"));
        assertTrue(fixture.postingsOf(badPayer).isEmpty());
        assertTrue(fixture.postingsOf(nothingPaid).isEmpty());
        assertTrue(fixture.postingsOf(alsoADeveloper).isEmpty());
        assertEquals(0, fixture.count("select count(*) from charge where request_id = any($1)",
                (Object) new String[] {badPayer, nothingPaid, alsoADeveloper, noTransaction}));
    }
}
