package computepool.identity.signin;

import computepool.localstack.quarkus.TestLogins;
import computepool.localstack.signin.KeycloakBrokers;
import computepool.localstack.signin.LocalGitHub;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * The stack's Keycloak with its GitHub broker pointed at a {@link LocalGitHub} and its Google broker at the realm
 * standing in for Google; the service under test reads GitHub's API at the same local server.
 */
public class LocalBrokersTestResource implements QuarkusTestResourceLifecycleManager {

    static volatile KeycloakBrokers keycloak;
    static volatile LocalGitHub github;

    @Override
    public Map<String, String> start() {
        keycloak = new KeycloakBrokers(TestLogins.env());
        github = keycloak.startLocalGitHub();
        keycloak.useLocalGoogle();
        return Map.of("computepool.identity.reputation.github.api-url", github.apiUrl().toString(),
                "computepool.identity.reputation.github.projects", "computepool/computepool,ggml-org/llama.cpp");
    }

    @Override
    public void stop() {
        if (github != null) {
            github.close();
        }
    }
}
