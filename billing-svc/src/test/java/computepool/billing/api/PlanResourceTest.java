package computepool.billing.api;

import static computepool.problems.ProblemAssertions.badRequestNaming;
import static computepool.problems.ProblemAssertions.problem;
import static computepool.problems.ProblemAssertions.problemNaming;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import computepool.localstack.quarkus.LocalStackTestResource;
import computepool.localstack.quarkus.TestLogins;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(value = LocalStackTestResource.class, initArgs = @ResourceArg(name = "database", value = "billing_test"))
class PlanResourceTest {

    /**
     * An instant of this run alone (2030 or later), so versions from other runs on the same database do not collide.
     */
    private static final Instant BASE = Instant.parse("2030-01-01T00:00:00Z")
            .plus(System.nanoTime() % 1_000_000_000L, ChronoUnit.SECONDS);

    private static void addGpuPrice(String type, String tier, long price, Instant from, int status) {
        given().auth().oauth2(TestLogins.admin()).contentType("application/json")
                .body("{\"gpuType\":\"" + type + "\",\"tier\":\"" + tier + "\",\"nanoUsdPerGpuSecond\":" + price
                        + ",\"validFrom\":\"" + from + "\"}")
                .post("/v1/gpu-prices").then().statusCode(status);
    }

    @Test
    void gpuPricesAreVersionedPerTypeAndTier() {
        addGpuPrice("RTX_4090", "ON_DEMAND", 120_000, BASE, 201);
        addGpuPrice("RTX_4090", "SPOT", 50_000, BASE, 201);
        addGpuPrice("RTX_4090", "ON_DEMAND", 110_000, BASE.plusSeconds(3600), 201);
        String developer = TestLogins.developer();
        given().auth().oauth2(developer).queryParam("at", BASE.plusSeconds(10).toString())
                .get("/v1/gpu-prices/RTX_4090/ON_DEMAND").then().statusCode(200)
                .body("nanoUsdPerGpuSecond", equalTo(120_000));
        given().auth().oauth2(developer).queryParam("at", BASE.plusSeconds(3600).toString())
                .get("/v1/gpu-prices/RTX_4090/ON_DEMAND").then().statusCode(200)
                .body("nanoUsdPerGpuSecond", equalTo(110_000));
        given().auth().oauth2(developer).queryParam("at", BASE.plusSeconds(3600).toString())
                .get("/v1/gpu-prices/RTX_4090/SPOT").then().statusCode(200)
                .body("nanoUsdPerGpuSecond", equalTo(50_000));
        // Every version of these tests is from 2030 on.
        given().auth().oauth2(developer).queryParam("at", "2029-12-31T23:59:59Z")
                .get("/v1/gpu-prices/RTX_4090/SPOT").then().spec(problem(404));
    }

    @Test
    void badGpuPricesNameTheFieldAndASecondVersionAtOneInstantConflicts() {
        given().auth().oauth2(TestLogins.developer()).contentType("application/json")
                .body("{\"gpuType\":\"L40S\",\"tier\":\"SPOT\",\"nanoUsdPerGpuSecond\":1}")
                .post("/v1/gpu-prices").then().spec(problem(403));
        String admin = TestLogins.admin();
        given().auth().oauth2(admin).contentType("application/json")
                .body("{\"gpuType\":\"GTX_480\",\"tier\":\"SPOT\",\"nanoUsdPerGpuSecond\":1}")
                .post("/v1/gpu-prices").then().spec(badRequestNaming("gpuType"));
        given().auth().oauth2(admin).contentType("application/json")
                .body("{\"gpuType\":\"L40S\",\"tier\":\"CHEAP\",\"nanoUsdPerGpuSecond\":1}")
                .post("/v1/gpu-prices").then().spec(badRequestNaming("tier"));
        given().auth().oauth2(admin).contentType("application/json")
                .body("{\"gpuType\":\"L40S\",\"tier\":\"SPOT\",\"nanoUsdPerGpuSecond\":-1}")
                .post("/v1/gpu-prices").then().spec(badRequestNaming("nanoUsdPerGpuSecond"));
        addGpuPrice("L40S", "SPOT", 70_000, BASE, 201);
        given().auth().oauth2(admin).contentType("application/json")
                .body("{\"gpuType\":\"L40S\",\"tier\":\"SPOT\",\"nanoUsdPerGpuSecond\":1,\"validFrom\":\"" + BASE + "\"}")
                .post("/v1/gpu-prices").then().spec(problemNaming(409, "validFrom"));
        given().auth().oauth2(TestLogins.developer()).get("/v1/gpu-prices/GTX_480/SPOT")
                .then().spec(badRequestNaming("gpuType"));
    }

    @Test
    void thePlatformFeeIsVersionedAndBounded() {
        String admin = TestLogins.admin();
        given().auth().oauth2(TestLogins.developer()).queryParam("at", "2026-01-01T00:00:00Z")
                .get("/v1/platform-fees").then().statusCode(200).body("basisPoints", equalTo(1000));
        given().auth().oauth2(admin).contentType("application/json")
                .body("{\"basisPoints\":1500,\"validFrom\":\"" + BASE.plusSeconds(7) + "\"}")
                .post("/v1/platform-fees").then().statusCode(201);
        given().auth().oauth2(TestLogins.developer()).queryParam("at", BASE.plusSeconds(8).toString())
                .get("/v1/platform-fees").then().statusCode(200).body("basisPoints", equalTo(1500));
        given().auth().oauth2(admin).contentType("application/json")
                .body("{\"basisPoints\":10001}")
                .post("/v1/platform-fees").then().spec(badRequestNaming("basisPoints"));
        given().auth().oauth2(admin).contentType("application/json")
                .body("{\"basisPoints\":1,\"validFrom\":\"" + BASE.plusSeconds(7) + "\"}")
                .post("/v1/platform-fees").then().spec(problemNaming(409, "validFrom"));
    }
}
