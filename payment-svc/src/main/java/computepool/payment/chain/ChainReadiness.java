package computepool.payment.chain;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.web3j.protocol.core.DefaultBlockParameterName;

/** Ready while the node answers, serves the configured chain, and has the token's code at its address. */
@Readiness
@ApplicationScoped
public class ChainReadiness implements HealthCheck {

    private final Chain chain;

    public ChainReadiness(Chain chain) {
        this.chain = chain;
    }

    @Override
    public HealthCheckResponse call() {
        var response = HealthCheckResponse.named("chain").withData("rpc", chain.config().rpcUrl().toString());
        try {
            long chainId = chain.web3j().ethChainId().send().getChainId().longValueExact();
            if (chainId != chain.config().chainId()) {
                return response.down().withData("problem", "the node serves chain " + chainId + ", not "
                        + chain.config().chainId()).build();
            }
            String code = chain.web3j().ethGetCode(chain.config().tokenAddress(), DefaultBlockParameterName.LATEST)
                    .send().getCode();
            if (code == null || code.equals("0x")) {
                return response.down().withData("problem", "no contract at the token address "
                        + chain.config().tokenAddress()).build();
            }
            return response.up().withData("chainId", chainId).build();
        } catch (Exception e) {
            return response.down().withData("problem", String.valueOf(e.getMessage())).build();
        }
    }
}
