package computepool.payment.domain;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The {@code ComputePool-Signature} header of a webhook delivery: {@code t=<unix seconds>,v1=<hex>}, where v1 is
 * HMAC-SHA256, keyed with the endpoint's signing secret, over the timestamp, a dot and the exact body bytes. Signing
 * the timestamp lets a receiver refuse replays of an old delivery.
 */
public final class WebhookSignature {

    public static final String HEADER = "ComputePool-Signature";
    /** How old a signature a receiver should still accept. */
    public static final Duration TOLERANCE = Duration.ofMinutes(5);

    private WebhookSignature() {
    }

    public static String header(SigningSecret secret, Instant at, byte[] body) {
        long timestamp = at.getEpochSecond();
        return "t=" + timestamp + ",v1=" + HexFormat.of().formatHex(mac(secret, timestamp, body));
    }

    /** What a receiver does: parse the header, recompute, compare in constant time, check the age. */
    public static boolean verify(SigningSecret secret, String header, byte[] body, Instant now) {
        long timestamp = -1;
        byte[] given = null;
        for (String part : header.split(",")) {
            String[] pair = part.trim().split("=", 2);
            if (pair.length != 2) {
                return false;
            }
            try {
                switch (pair[0]) {
                    case "t" -> timestamp = Long.parseLong(pair[1]);
                    case "v1" -> given = HexFormat.of().parseHex(pair[1]);
                    default -> { }
                }
            } catch (IllegalArgumentException e) {
                return false;
            }
        }
        if (timestamp < 0 || given == null) {
            return false;
        }
        Duration age = Duration.between(Instant.ofEpochSecond(timestamp), now).abs();
        return age.compareTo(TOLERANCE) <= 0 && MessageDigest.isEqual(mac(secret, timestamp, body), given);
    }

    private static byte[] mac(SigningSecret secret, long timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.key(), "HmacSHA256"));
            mac.update((timestamp + ".").getBytes(StandardCharsets.US_ASCII));
            return mac.doFinal(body);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable", e);
        }
    }
}
