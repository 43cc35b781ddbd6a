package computepool.journeys;

import static computepool.journeys.JourneyStack.count;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import computepool.chain.contracts.ComputePoolUsd;
import computepool.localstack.LocalStackEnv;
import io.restassured.http.ContentType;
import java.math.BigInteger;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
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
 * The packaged payment-svc killed with {@code kill -9} while its transactions wait unmined (anvil's automine off)
 * and its rows say SUBMITTED, then started again on the same database before any block is mined: afterwards each
 * action has exactly one transaction on chain, its effect happened once, and no row is left open.
 */
class ChainCrashIT {

    private static final int TRANSFERS = 5;

    @Test
    void killedWhileItsTransactionsWaitToBeMinedItLandsEachExactlyOnceAfterRestart() throws Exception {
        JourneyStack stack = JourneyStack.fromEnvFile();
        LocalStackEnv env = stack.env();
        Map<String, String> config = new HashMap<>(stack.serviceConfig("payment-svc", "payment_crash"));
        config.put("computepool.chain.actions.poll-interval", "100ms");
        config.put("computepool.chain.actions.rebroadcast-after", "1s");
        // Only the transfers below go on chain: operators' pay would add transactions of its own.
        config.put("computepool.pay.enabled", "false");
        HttpService rpc = new HttpService(env.require(LocalStackEnv.CHAIN_RPC_URL));
        Web3j web3j = Web3j.build(rpc);
        ComputePoolUsd token = ComputePoolUsd.load(env.require(LocalStackEnv.CHAIN_TOKEN_ADDRESS), web3j,
                new ReadonlyTransactionManager(web3j, env.require(LocalStackEnv.CHAIN_TREASURY_ADDRESS)),
                new DefaultGasProvider());
        List<String> payees = new ArrayList<>();
        List<String> actions = new ArrayList<>();
        anvil(rpc, "evm_setAutomine", false);
        try (Connection database = stack.database("payment_crash")) {
            ServiceProcess first = ServiceProcess.start("payment-svc", config);
            try {
                for (int i = 0; i < TRANSFERS; i++) {
                    String payee = Credentials.create(Keys.createEcKeyPair()).getAddress();
                    payees.add(payee);
                    actions.add(given().auth().oauth2(stack.adminToken()).contentType(ContentType.JSON)
                            .header("Idempotency-Key", "crash-" + UUID.randomUUID())
                            .body("{\"to\": \"%s\", \"amount\": %d}".formatted(payee, amount(i)))
                            .when().post(first.uri("/v1/admin/chain/transfers"))
                            .then().statusCode(202).extract().path("id"));
                }
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                        .until(() -> count(database, "select count(*) from chain_action where state = 'SUBMITTED' "
                                + "and broadcast_at is not null") == TRANSFERS);
            } finally {
                first.kill();
            }
            assertEquals(TRANSFERS, count(database, "select count(*) from chain_action where state = 'SUBMITTED'"));
            for (String payee : payees) {
                assertEquals(BigInteger.ZERO, token.balanceOf(payee).send(), "mined before any block was");
            }

            ServiceProcess second = ServiceProcess.start("payment-svc", config);
            try {
                anvil(rpc, "evm_mine");
                anvil(rpc, "evm_mine");
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                        .until(() -> count(database, "select count(*) from chain_action where state = 'CONFIRMED'") == TRANSFERS);
            } finally {
                second.close();
            }
            for (int i = 0; i < TRANSFERS; i++) {
                assertEquals(BigInteger.valueOf(amount(i)), token.balanceOf(payees.get(i)).send(), "payee " + i);
            }
            assertEquals(0, count(database, "select count(*) from chain_action where state in ('PROPOSED', 'SUBMITTED')"));
            assertEquals(TRANSFERS, count(database, "select count(*) from chain_action where attempts = 1"));
            assertEquals(TRANSFERS, count(database, "select count(*) from chain_transaction where outcome = 'SUCCEEDED'"));
            assertEquals(TRANSFERS, count(database, "select count(*) from chain_transaction"));
        } finally {
            anvil(rpc, "evm_setAutomine", true);
        }
    }

    private static long amount(int i) {
        return 2_000_000L + i;
    }

    private static void anvil(HttpService rpc, String method, Object... params) throws Exception {
        VoidResponse response = new Request<>(method, List.of(params), rpc, VoidResponse.class).send();
        if (response.hasError()) {
            throw new IllegalStateException(method + ": " + response.getError().getMessage());
        }
    }
}
