package computepool.payment.chain;

import computepool.chain.contracts.ComputePoolUsd;
import computepool.chain.contracts.ISuperToken;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.http.HttpService;
import org.web3j.tuples.generated.Tuple7;
import org.web3j.tx.ReadonlyTransactionManager;
import org.web3j.tx.TransactionManager;
import org.web3j.tx.gas.ContractGasProvider;
import org.web3j.tx.gas.DefaultGasProvider;

/** The chain client, the treasury's key and the platform's contracts, as configured. */
@ApplicationScoped
public class Chain {

    private final ChainConfig config;
    private final Web3j web3j;
    private final Credentials treasury;
    private final ContractGasProvider gas = new DefaultGasProvider();
    private final TransactionManager readOnly;
    private volatile Eip712Domain tokenDomain;

    public Chain(ChainConfig config) {
        this.config = config;
        long timeoutMillis = config.rpcTimeout().toMillis();
        OkHttpClient http = new OkHttpClient.Builder()
                .connectTimeout(timeoutMillis, TimeUnit.MILLISECONDS)
                .readTimeout(timeoutMillis, TimeUnit.MILLISECONDS)
                .writeTimeout(timeoutMillis, TimeUnit.MILLISECONDS)
                .build();
        this.web3j = Web3j.build(new HttpService(config.rpcUrl().toString(), http));
        this.treasury = Credentials.create(config.treasuryPrivateKey());
        config.treasuryAddress().filter(address -> !address.equalsIgnoreCase(treasury.getAddress())).ifPresent(
                address -> {
                    throw new IllegalArgumentException("computepool.chain.treasury-address " + address
                            + " is not the address of computepool.chain.treasury-private-key");
                });
        this.readOnly = new ReadonlyTransactionManager(web3j, treasury.getAddress());
    }

    public ChainConfig config() {
        return config;
    }

    public Web3j web3j() {
        return web3j;
    }

    public Credentials treasury() {
        return treasury;
    }

    /**
     * The USD token, for reading and for encoding calls. It cannot send: every transaction of the treasury goes
     * through {@link ChainActions}, which own the treasury's nonces.
     */
    public ComputePoolUsd token() {
        return ComputePoolUsd.load(config.tokenAddress(), web3j, readOnly, gas);
    }

    /** The wrapper super token, for reading and for encoding calls. */
    public ISuperToken superToken() {
        return ISuperToken.load(config.superTokenAddress(), web3j, readOnly, gas);
    }

    /** The token's EIP-712 domain as the token itself reports it (EIP-5267), read once. */
    public Eip712Domain tokenDomain() throws Exception {
        Eip712Domain domain = tokenDomain;
        if (domain == null) {
            Tuple7<byte[], String, String, java.math.BigInteger, String, byte[], java.util.List<java.math.BigInteger>> reported =
                    token().eip712Domain().send();
            domain = new Eip712Domain(reported.component2(), reported.component3(),
                    reported.component4().longValueExact(), reported.component5());
            tokenDomain = domain;
        }
        return domain;
    }

    @PreDestroy
    void close() {
        web3j.shutdown();
    }
}
