package computepool.journeys;

import static computepool.journeys.JourneyStack.count;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.OpenAIClientImpl;
import com.openai.client.okhttp.OkHttpClient;
import com.openai.core.ClientOptions;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import computepool.chain.contracts.ComputePoolUsd;
import computepool.chain.contracts.ISuperToken;
import computepool.localstack.LocalStackEnv;
import computepool.localstack.TcpProxy;
import io.restassured.http.ContentType;
import java.math.BigInteger;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Keys;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.Request;
import org.web3j.protocol.core.methods.response.VoidResponse;
import org.web3j.protocol.http.HttpService;
import org.web3j.tx.ReadonlyTransactionManager;
import org.web3j.tx.gas.DefaultGasProvider;

/**
 * Agents without an account pay per request with x402 vouchers of the platform's token, and the operators who served
 * them are paid on chain what the ledger says they earned. The gateway takes vouchers on {@code /v1/chat/completions};
 * payment-svc verifies and settles them and pays two operators (one per shard worker) in epochs of a few seconds.
 */
class X402PaymentsIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CHAT = "/v1/chat/completions";
    private static final int MAX_TOKENS = 12;
    /** One USD in the token's base units (6 decimals). */
    private static final long AGENT_FUNDS = 1_000_000;
    private static final BigInteger SUPER_UNITS_PER_BASE_UNIT = BigInteger.TEN.pow(12);

    private static JourneyStack stack;
    private static TcpProxy facilitatorLink;
    private static ServiceProcess payment;
    private static InferencePlatform platform;
    private static Web3j web3j;
    private static ComputePoolUsd token;
    private static ISuperToken superToken;
    private static long chainId;
    private static String treasury;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private final Path root = Path.of(System.getProperty("computepool.root", "..")).toAbsolutePath().normalize();

    @BeforeAll
    static void startPlatform() throws Exception {
        stack = JourneyStack.fromEnvFile();
        LocalStackEnv env = stack.env();
        Map<String, String> paymentConfig = new HashMap<>(stack.paymentConfig("payment_x402"));
        paymentConfig.put("computepool.pay.epoch-length", "8s");
        paymentConfig.put("computepool.pay.pass-interval", "200ms");
        paymentConfig.put("computepool.pay.flow-interval", "1s");
        paymentConfig.put("computepool.pay.flow-window", "10s");
        paymentConfig.put("computepool.pay.flow-horizon", "20s");
        // The facilitator waits this long for a transfer to confirm (not the requirements' 60 s): a stalled chain
        // makes its answer come within the test.
        paymentConfig.put("computepool.x402.longest-wait", "8s");
        int paymentPort = ServiceProcess.freePorts(1).getFirst();
        // The gateway reaches the facilitator through a link the tests can cut. It waits for a settlement the
        // requirements' 20 s and 2 s more, so a lost answer is given up on within the test.
        facilitatorLink = TcpProxy.start("127.0.0.1", paymentPort);
        platform = InferencePlatform.start(stack, 1, Map.of(
                        "computepool.gateway.x402.routes", CHAT,
                        "computepool.gateway.x402.facilitator-url", "http://127.0.0.1:" + facilitatorLink.port() + "/",
                        "computepool.gateway.x402.max-timeout", "20s",
                        "computepool.gateway.x402.settle-margin", "2s",
                        "computepool.gateway.x402.facilitator-timeout", "10s"),
                worker -> Map.of(), List.of(new ServiceProcess.Launch("payment-svc", paymentConfig).onPort(paymentPort)));
        payment = platform.besides().getFirst();
        for (int worker = 0; worker < 2; worker++) {
            given().auth().oauth2(stack.adminToken()).contentType(ContentType.JSON)
                    .body("{\"address\": \"" + Credentials.create(Keys.createEcKeyPair()).getAddress() + "\"}")
                    .when().put(payment.uri("/v1/admin/operators/" + operator(worker) + "/payout-address"))
                    .then().statusCode(200);
        }
        web3j = Web3j.build(new HttpService(env.require(LocalStackEnv.CHAIN_RPC_URL)));
        treasury = env.require(LocalStackEnv.CHAIN_TREASURY_ADDRESS);
        chainId = Long.parseLong(env.require(LocalStackEnv.CHAIN_ID));
        ReadonlyTransactionManager reader = new ReadonlyTransactionManager(web3j, treasury);
        token = ComputePoolUsd.load(env.require(LocalStackEnv.CHAIN_TOKEN_ADDRESS), web3j, reader,
                new DefaultGasProvider());
        superToken = ISuperToken.load(env.require(LocalStackEnv.CHAIN_SUPER_TOKEN_ADDRESS), web3j, reader,
                new DefaultGasProvider());
    }

    @AfterAll
    static void stopPlatform() throws Exception {
        if (platform != null) {
            platform.close();
        }
        if (web3j != null) {
            web3j.shutdown();
        }
        if (facilitatorLink != null) {
            facilitatorLink.close();
        }
    }

    /** Each worker runs on a node of its own operator, who is paid for it. */
    private static String operator(int worker) {
        return platform.nodes().get(worker).operatorId();
    }

    @Test
    void aRequestWithoutCredentialsIsQuotedAndEveryFaultyVoucherIsRefusedWithItsReasonMovingNothing()
            throws Exception {
        X402Wallet agent = funded();
        HttpResponse<String> challenge = chat(Map.of());
        assertEquals(402, challenge.statusCode(), challenge.body());
        JsonNode body = JSON.readTree(challenge.body());
        assertEquals(1, body.get("x402Version").asInt());
        assertEquals("PAYMENT-SIGNATURE (x402 version 2) or X-PAYMENT (version 1) header is required",
                body.get("error").asText());
        JsonNode requirements = body.get("accepts").get(0);
        assertEquals("exact", requirements.get("scheme").asText());
        assertEquals("eip155:" + chainId, requirements.get("network").asText());
        assertEquals(token.getContractAddress().toLowerCase(), requirements.get("asset").asText().toLowerCase());
        assertEquals(treasury.toLowerCase(), requirements.get("payTo").asText().toLowerCase());
        assertTrue(requirements.get("resource").asText().endsWith(CHAT), requirements.toString());
        assertTrue(requirements.get("description").asText().contains("billed at the quoted amount"));
        assertEquals("ComputePool USD", requirements.get("extra").get("name").asText());
        BigInteger price = new BigInteger(requirements.get("maxAmountRequired").asText());
        // Version 2's PAYMENT-REQUIRED says the same: the resource apart, the price as amount.
        JsonNode v2 = paymentRequired(challenge);
        assertEquals(2, v2.get("x402Version").asInt());
        assertEquals(body.get("error").asText(), v2.get("error").asText());
        assertEquals(requirements.get("resource").asText(), v2.get("resource").get("url").asText());
        assertEquals(requirements.get("mimeType").asText(), v2.get("resource").get("mimeType").asText());
        JsonNode accepts = v2.get("accepts").get(0);
        assertEquals(price.toString(), accepts.get("amount").asText());
        for (String same : new String[] { "scheme", "network", "asset", "payTo", "maxTimeoutSeconds", "extra" }) {
            assertEquals(requirements.get(same), accepts.get(same), same);
        }
        assertFalse(accepts.has("maxAmountRequired"));
        long now = Instant.now().getEpochSecond();
        Credentials stranger = Credentials.create(Keys.createEcKeyPair());
        X402Wallet broke = X402Wallet.create();

        Map<String, String> refusals = Map.of(
                "invalid_exact_evm_payload_authorization_value",
                agent.voucher(requirements, chainId, price.subtract(BigInteger.ONE), now - 60, now + 60, agent.credentials()),
                "invalid_exact_evm_payload_authorization_valid_before",
                agent.voucher(requirements, chainId, price, now - 120, now - 1, agent.credentials()),
                "invalid_exact_evm_payload_signature",
                agent.voucher(requirements, chainId, price, now - 60, now + 60, stranger),
                "insufficient_funds", broke.pay(requirements, chainId),
                "invalid_payload", Base64.getEncoder().encodeToString("not json".getBytes(StandardCharsets.UTF_8)));
        BigInteger agentBefore = token.balanceOf(agent.address()).send();
        BigInteger treasuryBefore = token.balanceOf(treasury).send();
        for (Map.Entry<String, String> refusal : refusals.entrySet()) {
            HttpResponse<String> refused = chat(refusal.getValue());
            assertEquals(402, refused.statusCode(), refused.body());
            assertTrue(JSON.readTree(refused.body()).get("error").asText().startsWith(refusal.getKey()),
                    refusal.getKey() + " expected, got " + refused.body());
        }

        String voucher = agent.pay(requirements, chainId);
        HttpResponse<String> served = chat(voucher);
        assertEquals(200, served.statusCode(), served.body());
        JsonNode settled = JSON.readTree(Base64.getDecoder().decode(
                served.headers().firstValue("X-PAYMENT-RESPONSE").orElseThrow()));
        assertTrue(served.headers().firstValue("PAYMENT-RESPONSE").isEmpty(), "a version 1 payment is answered in v1");
        assertTrue(settled.get("success").asBoolean(), settled.toString());
        assertEquals(agent.address().toLowerCase(), settled.get("payer").asText().toLowerCase());
        assertEquals(agentBefore.subtract(price), token.balanceOf(agent.address()).send());
        assertEquals(treasuryBefore.add(price), token.balanceOf(treasury).send());
        // The quote was the prompt and every token it may generate at the model's price, rounded up to the token,
        // and no less than the facilitator settles (0.001 USD: 1000 base units, the gateway's and payment-svc's default).
        long promptTokens = JSON.readTree(served.body()).get("usage").get("prompt_tokens").asLong();
        assertEquals(BigInteger.valueOf(Math.max(1000, Math.ceilDiv(InferencePlatform.cost(promptTokens, MAX_TOKENS),
                1000))), price);

        HttpResponse<String> both = chat(Map.of("X-PAYMENT", voucher, "PAYMENT-SIGNATURE", voucher));
        assertEquals(402, both.statusCode(), both.body());
        assertTrue(JSON.readTree(both.body()).get("error").asText().contains("not both"), both.body());
        HttpResponse<String> reused = chat(voucher);
        assertEquals(402, reused.statusCode(), reused.body());
        assertEquals("invalid_transaction_state", JSON.readTree(reused.body()).get("error").asText());
        assertEquals(agentBefore.subtract(price), token.balanceOf(agent.address()).send(), "a reused voucher pays once");
        assertEquals(treasuryBefore.add(price), token.balanceOf(treasury).send());
    }

    @Test
    void theOfficialX402ClientsPayByVersionTwoAsTheirQuickStartsShowAndEachPaysExactlyTheQuote() throws Exception {
        X402Clients clients = X402Clients.installed(root);
        for (X402Clients.Client client : X402Clients.Client.values()) {
            X402Wallet agent = funded();
            // The quote each client reads: version 2's PAYMENT-REQUIRED of the same request.
            HttpResponse<String> challenge = chat(Map.of());
            assertEquals(402, challenge.statusCode(), challenge.body());
            JsonNode accepts = paymentRequired(challenge).get("accepts").get(0);
            BigInteger price = new BigInteger(accepts.get("amount").asText());
            BigInteger agentBefore = token.balanceOf(agent.address()).send();
            BigInteger treasuryBefore = token.balanceOf(treasury).send();

            X402Clients.Outcome paid = clients.pay(client, agent.privateKey(), platform.gateway().uri(CHAT).toString(),
                    accepts.get("network").asText(), accepts.get("asset").asText(), chatBody());

            assertEquals(200, paid.status(), client + ": " + paid.printed());
            JsonNode settled = paid.paymentResponse().orElseThrow(() -> new AssertionError(
                    client + " got no PAYMENT-RESPONSE: " + paid.printed()));
            assertTrue(settled.get("success").asBoolean(), settled.toString());
            assertEquals(agent.address().toLowerCase(), settled.get("payer").asText().toLowerCase());
            assertEquals("eip155:" + chainId, settled.get("network").asText());
            assertFalse(JSON.readTree(paid.body()).get("choices").isEmpty(), paid.body());
            assertEquals(agentBefore.subtract(price), token.balanceOf(agent.address()).send(),
                    client + " paid exactly the quote");
            assertEquals(treasuryBefore.add(price), token.balanceOf(treasury).send());
        }
    }

    @Test
    void agentsPayingThroughTheOpenAiSdkAreServedAndEachOperatorIsPaidOnChainExactlyItsLedgerEarnings()
            throws Exception {
        X402Wallet agent = funded();
        X402PayingHttpClient paying = new X402PayingHttpClient(OkHttpClient.builder()
                .timeout(Duration.ofSeconds(60)).build(), agent, chainId);
        OpenAIClient client = new OpenAIClientImpl(ClientOptions.builder()
                .httpClient(paying)
                .baseUrl(platform.gateway().uri("/v1").toString())
                .apiKey("none")
                .removeHeaders("Authorization")
                .maxRetries(0)
                .build());
        int requests = 3;
        BigInteger before = token.balanceOf(agent.address()).send();
        for (int i = 0; i < requests; i++) {
            ChatCompletion completion = client.chat().completions().create(ChatCompletionCreateParams.builder()
                    .model(platform.model())
                    .addUserMessage("Name a colour. Request " + i + ".")
                    .maxCompletionTokens(MAX_TOKENS)
                    .build());
            assertFalse(completion.choices().isEmpty());
        }
        assertEquals(requests, paying.paymentResponses().size(), "each request paid once");
        assertTrue(token.balanceOf(agent.address()).send().compareTo(before) < 0, "the agent paid");

        try (Connection billing = stack.database("billing")) {
            // Every paid request is booked: charged to its wallet, its earnings announced to payment-svc.
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> count(billing,
                    "select count(*) from charge where lower(voucher_payer) = lower(?)", agent.address()) == requests);
        }
        String month = YearMonth.now(ZoneOffset.UTC).toString();
        for (int worker = 0; worker < 2; worker++) {
            String operator = operator(worker);
            String address = given().auth().oauth2(stack.adminToken())
                    .when().get(payment.uri("/v1/admin/operators/" + operator + "/payout-address"))
                    .then().statusCode(200).extract().path("address");
            long earned = ((Number) given().auth().oauth2(stack.adminToken())
                    .when().get(platform.billing().uri("/v1/admin/operators/" + operator + "/statements/" + month))
                    .then().statusCode(200).extract().path("totalNanoUsd")).longValue();
            assertTrue(earned > 0, operator + " earned");
            BigInteger owed = BigInteger.valueOf(earned / 1000).multiply(SUPER_UNITS_PER_BASE_UNIT);
            // After the true-up of the epoch the last earning fell in, the operator holds exactly its floored
            // ledger earnings in the super token.
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                    .until(() -> superToken.balanceOf(address).send().equals(owed));
        }
        try (Connection pay = stack.database("payment_x402")) {
            assertTrue(count(pay, "select count(*) from coalition where model_id = ? and flow_tick >= 0",
                    platform.model()) == 1, "the flow ran before the true-up");
            assertTrue(count(pay, "select count(*) from pay_epoch where model_id = ? and state = 'SETTLED'",
                    platform.model()) >= 1);
        }
    }

    @Test
    void aVoucherWhoseTransferIsNotConfirmedInTimeIsNotBilledAndServesTheRetryOfTheSameRequestOnce()
            throws Exception {
        X402Wallet agent = funded();
        HttpResponse<String> challenge = chat(Map.of());
        JsonNode requirements = JSON.readTree(challenge.body()).get("accepts").get(0);
        assertTrue(requirements.get("description").asText().contains("serves a retry of the same request with the "
                + "same payment"), requirements.toString());
        BigInteger price = new BigInteger(requirements.get("maxAmountRequired").asText());
        BigInteger agentBefore = token.balanceOf(agent.address()).send();
        BigInteger treasuryBefore = token.balanceOf(treasury).send();
        String voucher = agent.pay(requirements, chainId);
        HttpService rpc = new HttpService(stack.env().require(LocalStackEnv.CHAIN_RPC_URL));

        // The chain stalls: the transfer is sent but not mined before the facilitator's deadline.
        anvil(rpc, "evm_setAutomine", false);
        HttpResponse<String> stalled;
        try {
            stalled = chat(voucher);
            anvil(rpc, "evm_mine");
            anvil(rpc, "evm_mine");
        } finally {
            anvil(rpc, "evm_setAutomine", true);
        }
        assertEquals(402, stalled.statusCode(), stalled.body());
        assertEquals("unexpected_settle_error", JSON.readTree(stalled.body()).get("error").asText());
        // The transfer landed after all: the agent has paid, and nothing was served or billed for it yet.
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> token.balanceOf(agent.address()).send().equals(agentBefore.subtract(price)));
        String transaction = settlementTransaction(agent);
        try (Connection billing = stack.database("billing")) {
            assertEquals(0, count(billing, "select count(*) from charge where lower(voucher_payer) = lower(?)",
                    agent.address()), "a request not served is not billed");
            // But the money the treasury received is booked, as received for a request not served yet.
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                    .until(() -> voucherPostings(billing, "voucher-settled", transaction, VOUCHERS_RECEIVED) != 0);
            assertEquals(-price.longValueExact() * 1000,
                    voucherPostings(billing, "voucher-settled", transaction, VOUCHERS_RECEIVED));

            HttpResponse<String> retried = chat(voucher);
            assertEquals(200, retried.statusCode(), retried.body());
            JsonNode settled = JSON.readTree(Base64.getDecoder().decode(
                    retried.headers().firstValue("X-PAYMENT-RESPONSE").orElseThrow()));
            assertTrue(settled.get("success").asBoolean(), settled.toString());
            HttpResponse<String> again = chat(voucher);
            assertEquals(402, again.statusCode(), again.body());
            assertEquals("invalid_transaction_state", JSON.readTree(again.body()).get("error").asText(),
                    "a served voucher serves once");

            // One payment on chain, one charge in the ledger, of exactly the quote.
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> count(billing,
                    "select count(*) from charge where lower(voucher_payer) = lower(?)", agent.address()) == 1);
            assertEquals(price.longValueExact() * 1000, count(billing, "select amount_nano_usd from charge "
                    + "where lower(voucher_payer) = lower(?)", agent.address()));
            assertTransferBookedOnceAndServed(billing, transaction, price);
        }
        assertEquals(agentBefore.subtract(price), token.balanceOf(agent.address()).send(), "paid once");
        assertEquals(treasuryBefore.add(price), token.balanceOf(treasury).send());
    }

    @Test
    void aVoucherSettledWhileTheFacilitatorsAnswerIsLostIsBookedAtOnceAndServesTheRetryOfTheSameRequestOnce()
            throws Exception {
        X402Wallet agent = funded();
        JsonNode requirements = JSON.readTree(chat(Map.of()).body()).get("accepts").get(0);
        BigInteger price = new BigInteger(requirements.get("maxAmountRequired").asText());
        BigInteger agentBefore = token.balanceOf(agent.address()).send();
        BigInteger treasuryBefore = token.balanceOf(treasury).send();
        long now = Instant.now().getEpochSecond();
        // Valid for longer than the gateway waits, so that the agent can retry after the gateway gave up.
        String voucher = agent.voucher(requirements, chainId, price, now - 60, now + 300, agent.credentials());
        HttpService rpc = new HttpService(stack.env().require(LocalStackEnv.CHAIN_RPC_URL));
        String settlement = "x402:" + agent.address().toLowerCase() + ":%";

        // The facilitator submits the transfer; then the link to it is cut and the transfer is mined: the
        // facilitator settles, and its answer never reaches the gateway.
        CompletableFuture<HttpResponse<String>> lost;
        try (Connection pay = stack.database("payment_x402")) {
            anvil(rpc, "evm_setAutomine", false);
            try {
                lost = CompletableFuture.supplyAsync(() -> {
                    try {
                        return chat(voucher);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> count(pay,
                        "select count(*) from chain_action where idempotency_key like ? and state = 'SUBMITTED'",
                        settlement) == 1);
                facilitatorLink.pause();
                anvil(rpc, "evm_mine");
            } finally {
                anvil(rpc, "evm_setAutomine", true);
            }
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> count(pay,
                    "select count(*) from chain_action where idempotency_key like ? and state = 'CONFIRMED'",
                    settlement) == 1);
        }
        HttpResponse<String> unanswered;
        try {
            unanswered = lost.get(60, TimeUnit.SECONDS);
        } finally {
            facilitatorLink.resume();
        }
        assertEquals(503, unanswered.statusCode(), unanswered.body());
        assertTrue(unanswered.body().contains("payments_unavailable"), unanswered.body());
        String transaction = settlementTransaction(agent);
        assertEquals(agentBefore.subtract(price), token.balanceOf(agent.address()).send(), "the transfer landed");

        try (Connection billing = stack.database("billing")) {
            // The treasury holds the money, so the ledger books it, though nothing was served.
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                    .until(() -> voucherPostings(billing, "voucher-settled", transaction, VOUCHERS_RECEIVED) != 0);
            assertEquals(-price.longValueExact() * 1000,
                    voucherPostings(billing, "voucher-settled", transaction, VOUCHERS_RECEIVED));
            assertEquals(price.longValueExact() * 1000,
                    voucherPostings(billing, "voucher-settled", transaction, VOUCHERS_UNSERVED));
            assertEquals(0, count(billing, "select count(*) from charge where lower(voucher_payer) = lower(?)",
                    agent.address()), "nothing served, nothing charged");

            // The claim was released when the gateway gave up: the retry with the same voucher is served, paid by
            // the transaction already mined.
            HttpResponse<String> retried = chat(voucher);
            assertEquals(200, retried.statusCode(), retried.body());
            JsonNode settled = JSON.readTree(Base64.getDecoder().decode(
                    retried.headers().firstValue("X-PAYMENT-RESPONSE").orElseThrow()));
            assertEquals(transaction, settled.get("transaction").asText().toLowerCase());
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> count(billing,
                    "select count(*) from charge where lower(voucher_payer) = lower(?)", agent.address()) == 1);
            assertTransferBookedOnceAndServed(billing, transaction, price);
        }
        assertEquals(agentBefore.subtract(price), token.balanceOf(agent.address()).send(), "paid once");
        assertEquals(treasuryBefore.add(price), token.balanceOf(treasury).send());
    }

    private static final String VOUCHERS_RECEIVED = "00000000-0000-0000-0000-00000000f005";
    private static final String VOUCHERS_UNSERVED = "00000000-0000-0000-0000-00000000f007";

    /** The hash of the agent's one confirmed settlement, lower case. */
    private static String settlementTransaction(X402Wallet agent) throws Exception {
        try (Connection pay = stack.database("payment_x402");
                var query = pay.prepareStatement("select tx_hash from chain_action where idempotency_key like ? "
                        + "and state = 'CONFIRMED'")) {
            query.setString(1, "x402:" + agent.address().toLowerCase() + ":%");
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
                try (var rows = query.executeQuery()) {
                    return rows.next();
                }
            });
            try (var rows = query.executeQuery()) {
                rows.next();
                String hash = rows.getString(1).toLowerCase();
                assertFalse(rows.next(), "one settlement");
                return hash;
            }
        }
    }

    /** What ledger transactions of this kind for the voucher transaction posted to one account. */
    private static long voucherPostings(Connection billing, String kind, String transaction, String account)
            throws Exception {
        return count(billing, """
                select coalesce(sum(p.amount_nano_usd), 0) from posting p
                join ledger_transaction t on t.id = p.transaction_id
                where t.kind = ? and t.reference = ? and p.account_id = ?::uuid""", kind, transaction, account);
    }

    /** Received once, served once: what the treasury got is booked once and nothing of it is left unserved. */
    private static void assertTransferBookedOnceAndServed(Connection billing, String transaction, BigInteger price)
            throws Exception {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> voucherPostings(billing, "voucher-served", transaction, VOUCHERS_UNSERVED) != 0);
        assertEquals(1, count(billing, "select count(*) from ledger_transaction where kind = 'voucher-settled' "
                + "and reference = ?", transaction));
        assertEquals(1, count(billing, "select count(*) from ledger_transaction where kind = 'voucher-served' "
                + "and reference = ?", transaction));
        assertEquals(-price.longValueExact() * 1000, voucherPostings(billing, "voucher-settled", transaction,
                VOUCHERS_RECEIVED), "received exactly what the treasury got");
        assertEquals(0, voucherPostings(billing, "voucher-settled", transaction, VOUCHERS_UNSERVED)
                + voucherPostings(billing, "voucher-served", transaction, VOUCHERS_UNSERVED), "nothing left unserved");
    }

    private static void anvil(HttpService rpc, String method, Object... params) throws Exception {
        VoidResponse response = new Request<>(method, List.of(params), rpc, VoidResponse.class).send();
        if (response.hasError()) {
            throw new IllegalStateException(method + ": " + response.getError().getMessage());
        }
    }

    /** A new agent wallet holding {@link #AGENT_FUNDS} of the token, sent by the treasury. */
    private static X402Wallet funded() throws Exception {
        X402Wallet agent = X402Wallet.create();
        String action = given().auth().oauth2(stack.adminToken()).contentType(ContentType.JSON)
                .header("Idempotency-Key", "fund-" + UUID.randomUUID())
                .body("{\"to\": \"%s\", \"amount\": %d}".formatted(agent.address(), AGENT_FUNDS))
                .when().post(payment.uri("/v1/admin/chain/transfers"))
                .then().statusCode(202).extract().path("id");
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> "CONFIRMED".equals(
                given().auth().oauth2(stack.adminToken()).when().get(payment.uri("/v1/admin/chain/actions/" + action))
                        .then().statusCode(200).extract().path("state")));
        assertEquals(BigInteger.valueOf(AGENT_FUNDS), token.balanceOf(agent.address()).send());
        return agent;
    }

    /** A request paid by version 1's X-PAYMENT, or unpaid. */
    private static HttpResponse<String> chat(String payment) throws Exception {
        return chat(payment == null ? Map.of() : Map.of("X-PAYMENT", payment));
    }

    private static HttpResponse<String> chat(Map<String, String> headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(platform.gateway().uri(CHAT))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(chatBody()));
        headers.forEach(request::header);
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String chatBody() {
        return """
                {"model": "%s", "max_tokens": %d,
                 "messages": [{"role": "user", "content": "What is the capital of France?"}]}"""
                .formatted(platform.model(), MAX_TOKENS);
    }

    private static JsonNode paymentRequired(HttpResponse<String> challenge) throws Exception {
        return JSON.readTree(Base64.getDecoder().decode(challenge.headers().firstValue("PAYMENT-REQUIRED")
                .orElseThrow(() -> new AssertionError("a 402 without PAYMENT-REQUIRED: " + challenge.body()))));
    }
}
