package computepool.payment.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class WebhookSignatureTest {

    private static final SigningSecret SECRET = SigningSecret.generate(new SecureRandom());
    private static final byte[] BODY = "{\"id\":\"p-1\",\"type\":\"payout.settled\"}".getBytes(StandardCharsets.UTF_8);
    private static final Instant AT = Instant.parse("2026-11-28T12:00:00Z");

    @Test
    void isHmacSha256OfTheTimestampADotAndTheBody() throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(SECRET.key(), "HmacSHA256"));
        String expected = HexFormat.of().formatHex(mac.doFinal(
                ("1795867200." + new String(BODY, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8)));

        assertEquals("t=1795867200,v1=" + expected, WebhookSignature.header(SECRET, AT, BODY));
    }

    @Test
    void verifiesOnlyTheSameBodyWithTheSameSecretWhileFresh() {
        String header = WebhookSignature.header(SECRET, AT, BODY);

        assertTrue(WebhookSignature.verify(SECRET, header, BODY, AT.plusSeconds(299)));
        assertFalse(WebhookSignature.verify(SECRET, header, "{}".getBytes(StandardCharsets.UTF_8), AT));
        assertFalse(WebhookSignature.verify(SigningSecret.generate(new SecureRandom()), header, BODY, AT));
        assertFalse(WebhookSignature.verify(SECRET, header, BODY, AT.plusSeconds(301)), "a replay after 5 minutes");
        assertFalse(WebhookSignature.verify(SECRET, "t=x,v1=00", BODY, AT));
        assertFalse(WebhookSignature.verify(SECRET, "v1=" + header.substring(header.indexOf("v1=") + 3), BODY, AT));
    }
}
