package computepool.payment.chain;

import computepool.localstack.JsonRpcFaultProxy;
import computepool.localstack.TcpProxy;
import computepool.localstack.quarkus.LocalStackTestResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;

/**
 * The local stack, with payment-svc reaching anvil through a {@link JsonRpcFaultProxy} (faults per JSON-RPC method)
 * in front of a {@link TcpProxy} (the connection paused or cut), both injected into the test.
 */
public class ChainProxyTestResource implements QuarkusTestResourceLifecycleManager {

    private final LocalStackTestResource stack = new LocalStackTestResource();
    private TcpProxy connection;
    private JsonRpcFaultProxy calls;

    @Override
    public void init(Map<String, String> initArgs) {
        stack.init(Map.of(LocalStackTestResource.DATABASE, "payment_test"));
    }

    @Override
    public Map<String, String> start() {
        Map<String, String> config = new HashMap<>(stack.start());
        URI anvil = URI.create(config.get("computepool.chain.rpc-url"));
        connection = TcpProxy.start(anvil.getHost(), anvil.getPort());
        calls = JsonRpcFaultProxy.start(URI.create("http://127.0.0.1:" + connection.port()));
        config.put("computepool.chain.rpc-url", calls.uri().toString());
        return config;
    }

    @Override
    public void inject(TestInjector testInjector) {
        testInjector.injectIntoFields(connection, new TestInjector.MatchesType(TcpProxy.class));
        testInjector.injectIntoFields(calls, new TestInjector.MatchesType(JsonRpcFaultProxy.class));
    }

    /** After the stack's resource, so that its rpc-url is the one replaced. */
    @Override
    public int order() {
        return 100;
    }

    @Override
    public void stop() {
        if (calls != null) {
            calls.close();
        }
        if (connection != null) {
            connection.close();
        }
        stack.stop();
    }
}
