package computepool.problems;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class AllowedMethodsTest {

    @Test
    void aTemplateIsOneSegmentWhateverItsOwnRegex() {
        Pattern orders = AllowedMethods.template("/v1/orders/{id: [0-9a-fA-F-]{36}}");
        assertTrue(orders.matcher("/v1/orders/e3a0cec5-a4f1-4b8f-ab45-f31611683186").matches());
        assertTrue(orders.matcher("/v1/orders/buy").matches());
        assertFalse(orders.matcher("/v1/orders/a/b").matches());
        Pattern heartbeats = AllowedMethods.template("v1/nodes//{id}/heartbeats/");
        assertTrue(heartbeats.matcher("/v1/nodes/7/heartbeats").matches());
        assertFalse(heartbeats.matcher("/v1/nodes/7").matches());
        assertTrue(AllowedMethods.template("/v1/a.b").matcher("/v1/a.b").matches());
        assertFalse(AllowedMethods.template("/v1/a.b").matcher("/v1/axb").matches());
    }

    @Test
    void theMostLiteralPathWinsAsInJaxRs() {
        assertEquals("v1ordersbuy".length(), AllowedMethods.literals("/v1/orders/buy"));
        assertEquals("v1orders".length(), AllowedMethods.literals("/v1/orders/{id: [0-9a-fA-F-]{36}}"));
    }
}
