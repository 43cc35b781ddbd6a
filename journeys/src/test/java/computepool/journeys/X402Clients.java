package computepool.journeys;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The official x402 clients, pinned and installed by {@code journeys/scripts/install_x402_clients.sh}: npm's
 * {@code @x402/fetch} with {@code @x402/evm}, and PyPI's {@code x402} with httpx. Each pays one request as its quick
 * start shows ({@code journeys/x402-clients/pay.mjs}, {@code pay.py}), run as a process of its own.
 */
final class X402Clients {

    private static final ObjectMapper JSON = new ObjectMapper();

    enum Client {
        NPM_FETCH, PYPI_HTTPX
    }

    /**
     * What a client's paid request came to.
     *
     * @param paymentResponse the decoded {@code PAYMENT-RESPONSE}, when there was one
     */
    record Outcome(int status, Optional<JsonNode> paymentResponse, String body, String printed) {
    }

    private final Path clients;
    private final Path python;

    private X402Clients(Path clients, Path python) {
        this.clients = clients;
        this.python = python;
    }

    /** The clients {@code ./computepool test} installed, or installed now by the same script. */
    static X402Clients installed(Path root) throws IOException, InterruptedException {
        return new X402Clients(root.resolve("journeys/x402-clients"),
                InstallScript.run(root, "install_x402_clients.sh", 10));
    }

    /**
     * Pays one POST of {@code body} to {@code url} from the agent's key; network and asset are those the gateway's
     * 402 names, for the spend-controls line.
     */
    Outcome pay(Client client, String privateKey, String url, String network, String asset, String body)
            throws IOException, InterruptedException {
        List<String> command = switch (client) {
            case NPM_FETCH -> List.of("node", clients.resolve("pay.mjs").toString());
            case PYPI_HTTPX -> List.of(python.toString(), clients.resolve("pay.py").toString());
        };
        ProcessBuilder builder = new ProcessBuilder(command).directory(clients.toFile()).redirectErrorStream(true);
        builder.environment().putAll(Map.of("AGENT_PRIVATE_KEY", privateKey, "URL", url, "NETWORK", network,
                "ASSET", asset, "BODY", body));
        Process process = builder.start();
        String printed = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(2, TimeUnit.MINUTES) || process.exitValue() != 0) {
            process.destroyForcibly();
            throw new AssertionError(client + " failed:\n" + printed);
        }
        String last = printed.strip().lines().reduce((first, second) -> second).orElse("");
        JsonNode outcome = JSON.readTree(last);
        JsonNode settled = outcome.get("paymentResponse");
        return new Outcome(outcome.get("status").asInt(),
                settled == null || settled.isNull() ? Optional.empty() : Optional.of(settled),
                outcome.get("body").asText(), printed);
    }
}
