package computepool.payment.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import computepool.localstack.JsonRpcFaultProxy;
import computepool.localstack.TcpProxy;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The connection to the node is cut mid-flow for 30 s: afterwards every action has had its effect exactly once. */
@QuarkusTest
@QuarkusTestResource(value = ChainProxyTestResource.class, restrictToAnnotatedClass = true)
class ChainFaultTest {

    private static final Duration PARTITION = Duration.ofSeconds(30);

    TcpProxy proxy;

    JsonRpcFaultProxy calls;

    @Inject
    Chain chain;

    @Inject
    ChainActions actions;

    @Inject
    ChainActionStore store;

    @Test
    void aPartitionOfThirtySecondsMidFlowNeitherLosesNorRepeatsAnEffect() throws Exception {
        assertEquals(calls.uri(), chain.config().rpcUrl(), "payment-svc does not go through the proxies");
        List<String> payees = new ArrayList<>();
        List<ChainAction> proposed = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            String payee = ChainTestSupport.newAddress();
            payees.add(payee);
            proposed.add(actions.transferFromTreasury("partition-" + UUID.randomUUID(), payee, BigInteger.valueOf(1_000 + i)));
        }
        ChainTestSupport.await(store, proposed.getFirst().id(), a -> a.state() != ChainAction.State.PROPOSED,
                Duration.ofSeconds(30));
        proxy.pause();
        long openAtPause = proposed.stream().map(a -> store.find(a.id()).orElseThrow())
                .filter(a -> a.state() == ChainAction.State.PROPOSED || a.state() == ChainAction.State.SUBMITTED).count();
        Thread.sleep(PARTITION);
        List<ChainAction> duringPartition = proposed.stream().map(a -> store.find(a.id()).orElseThrow()).toList();
        proxy.resume();

        assertTrue(openAtPause > 0, "every action had settled before the partition: nothing was tested");
        assertTrue(duringPartition.stream().anyMatch(a -> a.state() != ChainAction.State.CONFIRMED),
                "actions were confirmed through a paused connection");
        for (int i = 0; i < proposed.size(); i++) {
            ChainAction action = ChainTestSupport.awaitSettled(store, proposed.get(i).id());
            assertEquals(ChainAction.State.CONFIRMED, action.state(), action.toString());
            assertEquals(BigInteger.valueOf(1_000 + i), chain.token().balanceOf(payees.get(i)).send(), "payee " + i);
            assertEquals(1, store.transactions(action.id()).stream()
                    .filter(row -> "SUCCEEDED".equals(row.getString("outcome"))).count());
        }
    }
}
