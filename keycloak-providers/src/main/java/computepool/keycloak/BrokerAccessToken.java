package computepool.keycloak;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The provider's access token out of a brokered login. Keycloak keeps it in the login's context data, and, with
 * {@code storeToken}, the token endpoint's whole answer, which GitHub sends form-encoded unless asked for JSON.
 */
final class BrokerAccessToken {

    static final String CONTEXT_KEY = "FEDERATED_ACCESS_TOKEN";

    private static final ObjectMapper JSON = new ObjectMapper();

    private BrokerAccessToken() {
    }

    static Optional<String> of(Object contextValue, String tokenResponse) {
        if (contextValue instanceof String token && !token.isBlank()) {
            return Optional.of(token);
        }
        return fromTokenResponse(tokenResponse);
    }

    static Optional<String> fromTokenResponse(String response) {
        if (response == null || response.isBlank()) {
            return Optional.empty();
        }
        String body = response.strip();
        if (body.startsWith("{")) {
            try {
                JsonNode token = JSON.readTree(body).get("access_token");
                return token != null && token.isTextual() && !token.asText().isBlank()
                        ? Optional.of(token.asText()) : Optional.empty();
            } catch (IOException e) {
                return Optional.empty();
            }
        }
        for (String pair : body.split("&")) {
            int equals = pair.indexOf('=');
            if (equals > 0 && pair.substring(0, equals).equals("access_token")) {
                String token = URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8);
                return token.isBlank() ? Optional.empty() : Optional.of(token);
            }
        }
        return Optional.empty();
    }
}
