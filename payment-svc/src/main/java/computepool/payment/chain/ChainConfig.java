package computepool.payment.chain;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.time.Duration;

/**
 * The EVM chain payments run on and the contracts deployed there. The local stack writes every value into its env
 * file; in a cluster they come from the release's values.
 */
@ConfigMapping(prefix = "computepool.chain")
public interface ChainConfig {

    /** JSON-RPC endpoint of a node of the chain. */
    URI rpcUrl();

    /** EIP-155 chain id; transactions signed for another chain are refused by the node, and a mismatch fails readiness. */
    long chainId();

    /** 0x and 64 hex digits: the key of the platform treasury, which sends every payment. */
    String treasuryPrivateKey();

    /** ComputePoolUsd, the 6-decimal USD token with EIP-3009 authorizations. */
    String tokenAddress();

    /** The token's Superfluid wrapper super token (18 decimals), in which operators are streamed their pay. */
    String superTokenAddress();

    Superfluid superfluid();

    /** How long a JSON-RPC call may take before it counts as lost. */
    @WithDefault("10s")
    Duration rpcTimeout();

    /** How often a sent transaction's receipt is asked for; a chain with one-second blocks wants less than that. */
    @WithDefault("250ms")
    Duration receiptPollInterval();

    /** How long a sent transaction may stay unmined before waiting for it fails. */
    @WithDefault("2m")
    Duration receiptTimeout();

    interface Superfluid {

        String hostAddress();

        /** GDAv1Forwarder: pools, member units, distributions and distribution flows. */
        String gdaForwarderAddress();

        String cfaForwarderAddress();

        String superTokenFactoryAddress();
    }
}
