package computepool.keycloak;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.Locale;
import java.util.Optional;
import org.jboss.logging.Logger;
import org.keycloak.authentication.AuthenticationFlowContext;
import org.keycloak.authentication.authenticators.broker.AbstractIdpAuthenticator;
import org.keycloak.authentication.authenticators.broker.util.ExistingUserInfo;
import org.keycloak.authentication.authenticators.broker.util.SerializedBrokeredIdentityContext;
import org.keycloak.broker.provider.BrokeredIdentityContext;
import org.keycloak.http.simple.SimpleHttp;
import org.keycloak.http.simple.SimpleHttpResponse;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;

/**
 * A first-broker-login step after "create user if unique": when the brokered account's email is already a
 * developer's, it links the two only if the provider itself says the address is verified — for GitHub, an entry of
 * {@code GET /user/emails} with {@code verified: true}, read with the login's own access token — and the developer's
 * address is verified too. Anything else (an unverified or unknown address, a duplicate username, another provider,
 * GitHub not answering) is "attempted": the flow goes on to confirming the link by signing in as that developer, so
 * an account is never taken over by an email its owner has not proven.
 */
final class VerifiedEmailLinkAuthenticator extends AbstractIdpAuthenticator {

    static final String GITHUB_PROVIDER = "github";
    static final String DEFAULT_GITHUB_API_URL = "https://api.github.com";
    /** The GitHub provider's configuration key for its REST API (GitHub Enterprise, or a local server in tests). */
    static final String GITHUB_API_URL_KEY = "apiUrl";

    private static final Logger LOG = Logger.getLogger(VerifiedEmailLinkAuthenticator.class);

    @Override
    protected void authenticateImpl(AuthenticationFlowContext context, SerializedBrokeredIdentityContext serialized,
            BrokeredIdentityContext brokered) {
        String note = context.getAuthenticationSession().getAuthNote(EXISTING_USER_INFO);
        if (note == null) {
            context.attempted();
            return;
        }
        ExistingUserInfo duplicate = ExistingUserInfo.deserialize(note);
        String alias = brokered.getIdpConfig().getAlias();
        if (!UserModel.EMAIL.equals(duplicate.getDuplicateAttributeName())) {
            LOG.debugf("%s login of '%s' matches an existing user by %s, not by email: not linked automatically",
                    alias, brokered.getUsername(), duplicate.getDuplicateAttributeName());
            context.attempted();
            return;
        }
        KeycloakSession session = context.getSession();
        RealmModel realm = context.getRealm();
        UserModel existing = getExistingUser(session, realm, context.getAuthenticationSession());
        if (!existing.isEmailVerified() || !sameAddress(existing.getEmail(), brokered.getEmail())) {
            context.attempted();
            return;
        }
        if (!providerVerified(session, brokered)) {
            LOG.infof("%s login of '%s' carries the email of user %s, which %s does not mark verified: not linked",
                    alias, brokered.getUsername(), existing.getId(), alias);
            context.attempted();
            return;
        }
        LOG.infof("%s login of '%s' linked to user %s by an email %s marks verified",
                alias, brokered.getUsername(), existing.getId(), alias);
        context.setUser(existing);
        context.success();
    }

    @Override
    protected void actionImpl(AuthenticationFlowContext context, SerializedBrokeredIdentityContext serialized,
            BrokeredIdentityContext brokered) {
        // No form of its own: authenticateImpl decides at once.
    }

    private static boolean providerVerified(KeycloakSession session, BrokeredIdentityContext brokered) {
        if (!GITHUB_PROVIDER.equals(brokered.getIdpConfig().getProviderId())) {
            return false;
        }
        Optional<String> token = BrokerAccessToken.of(
                brokered.getContextData().get(BrokerAccessToken.CONTEXT_KEY), brokered.getToken());
        if (token.isEmpty()) {
            LOG.warnf("%s login of '%s' carries no access token to read its emails with",
                    brokered.getIdpConfig().getAlias(), brokered.getUsername());
            return false;
        }
        String url = apiUrl(brokered) + "/user/emails";
        try (SimpleHttpResponse response = SimpleHttp.create(session).doGet(url)
                .header("Authorization", "Bearer " + token.get())
                .header("Accept", "application/vnd.github+json")
                .asResponse()) {
            if (response.getStatus() != 200) {
                LOG.warnf("%s answered %d to %s: its emails count as unverified", brokered.getIdpConfig().getAlias(),
                        response.getStatus(), url);
                return false;
            }
            JsonNode emails = response.asJson();
            return new GitHubEmails(emails).verified(brokered.getEmail());
        } catch (IOException | RuntimeException e) {
            LOG.warnf("cannot read %s: %s; its emails count as unverified", url, e.toString());
            return false;
        }
    }

    private static String apiUrl(BrokeredIdentityContext brokered) {
        String configured = brokered.getIdpConfig().getConfig().get(GITHUB_API_URL_KEY);
        String url = configured == null || configured.isBlank() ? DEFAULT_GITHUB_API_URL : configured.strip();
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    private static boolean sameAddress(String a, String b) {
        return a != null && b != null && a.strip().toLowerCase(Locale.ROOT).equals(b.strip().toLowerCase(Locale.ROOT));
    }

    @Override
    public boolean requiresUser() {
        return false;
    }

    @Override
    public boolean configuredFor(KeycloakSession session, RealmModel realm, UserModel user) {
        return true;
    }
}
