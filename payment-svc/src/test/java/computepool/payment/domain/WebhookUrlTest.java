package computepool.payment.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class WebhookUrlTest {

    private static String rejection(String url) {
        return assertThrows(IllegalArgumentException.class, () -> WebhookUrl.parse(url)).getMessage();
    }

    @Test
    void httpsIsAcceptedAnywhere() {
        assertEquals("https://hooks.example.com/computepool?x=1",
                WebhookUrl.parse("https://hooks.example.com/computepool?x=1").toString());
        assertEquals("HTTPS://Example.com/", WebhookUrl.parse("HTTPS://Example.com/").toString());
    }

    @Test
    void plainHttpIsAcceptedOnlyToThisMachine() {
        WebhookUrl.parse("http://localhost:9000/hook");
        WebhookUrl.parse("http://127.0.0.1/hook");
        WebhookUrl.parse("http://LOCALHOST/hook");
        assertEquals("must use https (plain http only to localhost or 127.0.0.1)", rejection("http://example.com/hook"));
        rejection("http://localhost.example.com/hook");
        rejection("http://127.0.0.2/hook");
    }

    @Test
    void otherSchemesAreRejected() {
        rejection("ftp://example.com/hook");
        rejection("javascript:alert(1)");
        rejection("file:///etc/passwd");
    }

    @Test
    void relativeBlankOrBrokenUrlsAreRejected() {
        rejection("/hook");
        rejection("");
        rejection("   ");
        rejection(null);
        rejection("https://exa mple.com/");
        rejection("https://");
    }

    @Test
    void credentialsAndFragmentsAreRejected() {
        assertEquals("must not carry credentials", rejection("https://user:pass@example.com/hook"));
        assertEquals("must not have a fragment", rejection("https://example.com/hook#part"));
    }

    @Test
    void theHostPortAndRequestTargetAreThoseToSendTo() {
        WebhookUrl named = WebhookUrl.parse("https://Hooks.Example.com/a/b%20c?x=1&y=2");
        assertEquals("hooks.example.com", named.host());
        assertEquals(443, named.port());
        assertEquals("/a/b%20c?x=1&y=2", named.requestTarget());
        assertEquals("Hooks.Example.com", named.authority());

        WebhookUrl literal = WebhookUrl.parse("https://[2001:DB8::1]:8443");
        assertEquals("2001:db8::1", literal.host());
        assertEquals(8443, literal.port());
        assertEquals("/", literal.requestTarget());
        assertEquals("[2001:DB8::1]:8443", literal.authority());

        assertEquals(80, WebhookUrl.parse("http://localhost/hook").port());
    }

    @Test
    void portsOutsideTheRangeAreRejected() {
        assertEquals("must have a port from 1 to 65535", rejection("https://example.com:0/hook"));
        assertEquals("must have a port from 1 to 65535", rejection("https://example.com:65536/hook"));
    }

    @Test
    void overlongUrlsAreRejected() {
        rejection("https://example.com/" + "a".repeat(WebhookUrl.MAX_LENGTH));
    }
}
