package computepool.keycloak;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;

/**
 * What GitHub's {@code GET /user/emails} says of an account's addresses: each entry carries {@code email},
 * {@code primary} and {@code verified}. Only {@code verified} says GitHub saw the account's owner receive mail there;
 * the profile's public {@code email} and the primary flag say nothing of the kind.
 */
final class GitHubEmails {

    private final JsonNode entries;

    GitHubEmails(JsonNode entries) {
        this.entries = entries;
    }

    /** Whether GitHub lists {@code email} (compared without case, as Keycloak stores emails) as verified. */
    boolean verified(String email) {
        if (email == null || entries == null || !entries.isArray()) {
            return false;
        }
        String wanted = email.strip().toLowerCase(Locale.ROOT);
        for (JsonNode entry : entries) {
            JsonNode address = entry.get("email");
            if (address != null && address.isTextual()
                    && address.asText().strip().toLowerCase(Locale.ROOT).equals(wanted)) {
                JsonNode verified = entry.get("verified");
                return verified != null && verified.isBoolean() && verified.booleanValue();
            }
        }
        return false;
    }
}
