package computepool.keycloak;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class GitHubEmailsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static GitHubEmails emails(String json) throws Exception {
        return new GitHubEmails(JSON.readTree(json));
    }

    @Test
    void anAddressCountsOnlyWhenGitHubMarksItVerified() throws Exception {
        GitHubEmails emails = emails("""
                [{"email": "ada@example.org", "primary": true, "verified": false, "visibility": "public"},
                 {"email": "Ada@Work.example", "primary": false, "verified": true, "visibility": null}]""");

        assertFalse(emails.verified("ada@example.org"), "primary and public, but not verified");
        assertTrue(emails.verified("ada@work.example"), "verified, compared without case");
        assertFalse(emails.verified("someone@else.example"), "not listed");
        assertFalse(emails.verified(null));
    }

    @Test
    void aVerifiedFlagThatIsNotTheBooleanTrueCountsAsUnverified() throws Exception {
        assertFalse(emails("[{\"email\": \"ada@example.org\", \"verified\": \"true\"}]").verified("ada@example.org"));
        assertFalse(emails("[{\"email\": \"ada@example.org\"}]").verified("ada@example.org"));
        assertFalse(emails("{\"message\": \"Requires authentication\"}").verified("ada@example.org"));
    }

    @Test
    void theAccessTokenIsReadFromTheContextOrFromEitherFormOfTheTokenAnswer() {
        assertEquals(Optional.of("gho_ctx"), BrokerAccessToken.of("gho_ctx", "access_token=other"));
        assertEquals(Optional.of("gho_form"),
                BrokerAccessToken.of(null, "access_token=gho_form&scope=read%3Auser%2Cuser%3Aemail&token_type=bearer"));
        assertEquals(Optional.of("gho_json"),
                BrokerAccessToken.of(null, "{\"access_token\":\"gho_json\",\"token_type\":\"bearer\"}"));
        assertEquals(Optional.empty(), BrokerAccessToken.of(null, "error=bad_verification_code"));
        assertEquals(Optional.empty(), BrokerAccessToken.of("", null));
    }
}
