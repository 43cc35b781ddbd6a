package computepool.payment.chain;

import computepool.localstack.TcpProxy;
import computepool.localstack.quarkus.LocalStackTestResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;

/** The local stack, with payment-svc reaching anvil through a {@link TcpProxy} the test can pause. */
public class ChainProxyTestResource implements QuarkusTestResourceLifecycleManager {

    private final LocalStackTestResource stack = new LocalStackTestResource();
    private TcpProxy proxy;

    @Override
    public void init(Map<String, String> initArgs) {
        stack.init(Map.of(LocalStackTestResource.DATABASE, "payment_test"));
    }

    @Override
    public Map<String, String> start() {
        Map<String, String> config = new HashMap<>(stack.start());
        URI anvil = URI.create(config.get("computepool.chain.rpc-url"));
        proxy = TcpProxy.start(anvil.getHost(), anvil.getPort());
        config.put("computepool.chain.rpc-url", "http://127.0.0.1:" + proxy.port());
        return config;
    }

    @Override
    public void inject(TestInjector testInjector) {
        testInjector.injectIntoFields(proxy, new TestInjector.MatchesType(TcpProxy.class));
    }

    /** After the stack's resource, so that its rpc-url is the one replaced. */
    @Override
    public int order() {
        return 100;
    }

    @Override
    public void stop() {
        if (proxy != null) {
            proxy.close();
        }
        stack.stop();
    }
}
