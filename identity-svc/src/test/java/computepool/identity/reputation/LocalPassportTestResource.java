package computepool.identity.reputation;

import computepool.localstack.reputation.LocalPassport;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/** A {@link LocalPassport} for the service under test, which reads scores from it. */
public class LocalPassportTestResource implements QuarkusTestResourceLifecycleManager {

    static final String SCORER = "335";
    static final String API_KEY = "test-passport-key";
    static volatile LocalPassport passport;

    @Override
    public Map<String, String> start() {
        passport = LocalPassport.start(SCORER, API_KEY);
        return Map.of("computepool.identity.reputation.passport.base-url", passport.baseUrl().toString(),
                "computepool.identity.reputation.passport.scorer-id", SCORER,
                "computepool.identity.reputation.passport.api-key", API_KEY);
    }

    @Override
    public void stop() {
        if (passport != null) {
            passport.close();
        }
    }
}
