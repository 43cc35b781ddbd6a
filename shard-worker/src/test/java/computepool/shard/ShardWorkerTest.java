package computepool.shard;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import computepool.localstack.quarkus.LocalStackTestResource;
import computepool.shard.domain.ShardAssignment;
import computepool.shard.engine.KvCache;
import computepool.shard.engine.LayerRange;
import computepool.shard.engine.Logits;
import computepool.shard.engine.ShardEngine;
import computepool.shard.engine.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(LocalStackTestResource.class)
class ShardWorkerTest {

    @Inject
    ShardAssignment assignment;

    @Inject
    ShardEngine engine;

    @Test
    void healthIsUpAndNeedsNoKafka() {
        given().when().get("/q/health/ready")
                .then().statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.name", not(hasItem(containsString("Kafka"))));
    }

    @Test
    void metricsArePublished() {
        given().when().get("/q/metrics").then().statusCode(200).body(containsString("jvm_memory_used_bytes"));
    }

    @Test
    void theLocalDefaultsServeTheWholeModel() {
        assertEquals("smollm2-135m-instruct", assignment.modelId());
        assertEquals(0, assignment.layerStart());
        assertEquals(30, assignment.layerEnd());
    }

    @Test
    void theEngineHoldsTheAssignedLayers() throws Exception {
        assertEquals(new LayerRange(0, 30), engine.range());
        assertTrue(engine.isEntry() && engine.isExit());
        try (KvCache cache = engine.newCache(3)) {
            Logits logits = (Logits) engine.step(cache, new Tokens(new int[] {1, 9690, 198}));
            assertEquals(engine.spec().vocabularySize(), logits.values().length);
        }
    }
}
