package computepool.journeys;

import static io.restassured.RestAssured.given;

import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.util.Map;
import java.util.UUID;

/** Nodes operators of the run register at a journey's market-svc, and what a shard worker on one is configured with. */
final class OperatorNodes {

    /** A worker with this configuration and nothing more announces itself nowhere: no market-svc listens on port 1. */
    static final Map<String, String> NO_MARKET = Map.of(
            "computepool.shard.market-address", "127.0.0.1:1",
            "computepool.shard.node-credential", "cpn_" + "0".repeat(40));

    /** A registered node: its id, its operator (the registering user's Keycloak subject) and its credential. */
    record Node(String id, String operatorId, String credential) {

        /** What a worker needs to announce itself on this node through {@code market}'s WorkerAgent. */
        Map<String, String> workerConfig(ServiceProcess market) {
            return Map.of(
                    "computepool.shard.node-id", id,
                    "computepool.shard.operator-id", operatorId,
                    "computepool.shard.node-credential", credential,
                    "computepool.shard.market-address", "127.0.0.1:" + market.grpcPort());
        }
    }

    private OperatorNodes() {
    }

    /** A node of {@code gpus} 24 GiB cards (one worker each), registered by the operator whose token this is. */
    static Node register(ServiceProcess market, String operatorToken, int gpus) {
        JsonPath node = given().auth().oauth2(operatorToken).contentType(ContentType.JSON)
                .body("""
                        {"name": "journey-%s", "zone": "loopback", "interconnect": "federated",
                         "powerBudgetWatts": %d, "gpus": [{"model": "RTX_4090", "memoryGib": 24, "count": %d,
                         "powerLimitWatts": 450}]}""".formatted(UUID.randomUUID(), 450 * gpus, gpus))
                .when().post(market.uri("/v1/nodes"))
                .then().statusCode(201).extract().jsonPath();
        return new Node(node.getString("id"), node.getString("operatorId"), node.getString("credential.secret"));
    }
}
