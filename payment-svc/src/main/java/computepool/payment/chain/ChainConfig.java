package computepool.payment.chain;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;

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

    /** The treasury's address as published beside the key (the gateway asks vouchers to pay it); must be the key's. */
    Optional<String> treasuryAddress();

    /** ComputePoolUsd, the 6-decimal USD token with EIP-3009 authorizations. */
    String tokenAddress();

    /** The token's Superfluid wrapper super token (18 decimals), in which operators are streamed their pay. */
    String superTokenAddress();

    Superfluid superfluid();

    Actions actions();

    /** How long a JSON-RPC call may take before it counts as lost. */
    @WithDefault("10s")
    Duration rpcTimeout();

    /** How chain actions are processed and reconciled. */
    interface Actions {

        /** Off in a replica that only serves reads; every other replica processes (signing is serialised by a lock). */
        @WithDefault("true")
        boolean processingEnabled();

        /** Pause between two passes over the open actions. */
        @WithDefault("1s")
        Duration pollInterval();

        /** Nonces signed for one action before it ends FAILED (each attempt reverted or was displaced). */
        @WithDefault("3")
        int maxAttempts();

        /** A submitted transaction still unmined after this long is broadcast again (the same signed bytes). */
        @WithDefault("30s")
        Duration rebroadcastAfter();

        /**
         * A transaction neither mined nor refused for its fees after this long since it was signed is replaced at the
         * same nonce with higher fees (one the node refused for its fees is replaced at once).
         */
        @WithDefault("60s")
        Duration replaceAfter();

        /** Replacements of an attempt's call before the attempt is given up and its nonce freed by a cancel. */
        @WithDefault("5")
        int maxReplacements();

        /**
         * The most a call's transaction may offer per gas, in wei; a replacement that would offer more is a cancel
         * instead (a transfer of nothing to the sender, 21,000 gas), which is not capped: a nonce left unused would
         * hold up every later transaction of the treasury.
         */
        @WithDefault("500000000000")
        long maxFeePerGas();

        /**
         * Blocks on top of the block of another transaction found at a submitted action's nonce, its own included,
         * before the action counts as displaced by it.
         */
        @WithDefault("3")
        int displacementConfirmations();

        /** Reads in a row that must find that same transaction in that same block before the action counts as displaced. */
        @WithDefault("3")
        int displacementReads();

        /** Blocks searched, from the head when the nonce was signed, for the transaction that used it. */
        @WithDefault("1024")
        int displacementSearchBlocks();

        /** Blocks on top of an action's block, its own included, before it counts as CONFIRMED. */
        @WithDefault("1")
        int confirmations();

        /** Pause between two reconciliations of the records with the chain. */
        @WithDefault("30s")
        Duration reconcileInterval();

        /** How far back settled actions are compared with the chain. */
        @WithDefault("24h")
        Duration reconcileWindow();

        /** A SUBMITTED action older than this is announced as stuck. */
        @WithDefault("10m")
        Duration stuckAfter();
    }

    interface Superfluid {

        String hostAddress();

        /** GDAv1Forwarder: pools, member units, distributions and distribution flows. */
        String gdaForwarderAddress();

        String cfaForwarderAddress();

        String superTokenFactoryAddress();
    }
}
