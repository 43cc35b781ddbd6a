package computepool.payment.chain;

import static org.junit.jupiter.api.Assertions.fail;

import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Keys;

/** What the chain tests share: waiting for an action's state, fresh accounts, the outbox's discrepancies. */
final class ChainTestSupport {

    private ChainTestSupport() {
    }

    static ChainAction await(ChainActionStore store, UUID id, Predicate<ChainAction> done, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        ChainAction action = store.find(id).orElseThrow();
        while (!done.test(action)) {
            if (System.nanoTime() > deadline) {
                fail("action not done within " + timeout + ": " + action);
            }
            Thread.sleep(100);
            action = store.find(id).orElseThrow();
        }
        return action;
    }

    static ChainAction awaitSettled(ChainActionStore store, UUID id) throws InterruptedException {
        return await(store, id, a -> a.state() == ChainAction.State.CONFIRMED || a.state() == ChainAction.State.FAILED,
                Duration.ofSeconds(60));
    }

    static String newAddress() throws Exception {
        return Credentials.create(Keys.createEcKeyPair()).getAddress();
    }

    /** ChainDiscrepancy events in the outbox, as (kind, record key) pairs, by their ce_type. */
    static List<Row> discrepancies(Pool database) {
        List<Row> rows = new ArrayList<>();
        database.preparedQuery("select record_key, payload from outbox_event where ce_type = $1 order by seq")
                .execute(Tuple.of("computepool.payment.v1.ChainDiscrepancy"))
                .await().atMost(Duration.ofSeconds(10)).forEach(rows::add);
        return rows;
    }

    static BigInteger units(long whole) {
        return BigInteger.valueOf(whole).multiply(BigInteger.TEN.pow(6));
    }
}
