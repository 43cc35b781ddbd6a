package computepool.identity.domain.siwe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigInteger;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;

class SiweRulesTest {

    private static final Instant NOW = Instant.parse("2026-12-04T12:00:00Z");
    private static final SiweRules RULES = new SiweRules("computepool.example",
            URI.create("https://computepool.example/reputation"), 1, Duration.ofMinutes(1));
    private static final ECKeyPair KEY = ECKeyPair.create(new BigInteger("4f3edf983ac636a65a842ce7c78d9aa706d3b113bce9c46f30d7d21715b23b1d", 16));
    private static final ECKeyPair OTHER = ECKeyPair.create(BigInteger.valueOf(7_654_321));

    private static SiweMessage message(String domain, Instant expires) {
        return new SiweMessage(domain, Keys.toChecksumAddress(Keys.getAddress(KEY)),
                Optional.of("Link this address to ComputePool."), URI.create("https://computepool.example/reputation"),
                "1", 1, "n0nce12345", NOW.minusSeconds(30), Optional.ofNullable(expires), Optional.empty(),
                Optional.empty(), List.of());
    }

    @Test
    void aMessageTheOwnerSignedIsAcceptedAndReadsBackAsItWasWritten() {
        String text = message("computepool.example", NOW.plusSeconds(600)).text();

        SiweMessage accepted = RULES.accept(text, TestWallets.sign(text, KEY), NOW);

        assertEquals(text, accepted.text());
        assertEquals("n0nce12345", accepted.nonce());
        assertEquals(message("computepool.example", NOW.plusSeconds(600)), SiweMessage.parse(text));
    }

    @Test
    void eachWrongPartIsRefusedNamingIt() {
        String good = message("computepool.example", NOW.plusSeconds(600)).text();
        assertRefused("signature", good, TestWallets.sign(good, OTHER));
        assertRefused("signature", good, TestWallets.sign(good, KEY).substring(0, 20));
        String tampered = good.replace("Link this address", "Link that address");
        assertRefused("signature", tampered, TestWallets.sign(good, KEY));
        String elsewhere = message("evil.example", NOW.plusSeconds(600)).text();
        assertRefused("domain", elsewhere, TestWallets.sign(elsewhere, KEY));
        String expired = message("computepool.example", NOW.minusSeconds(1)).text();
        assertRefused("expirationTime", expired, TestWallets.sign(expired, KEY));
        String forever = message("computepool.example", null).text();
        assertRefused("expirationTime", forever, TestWallets.sign(forever, KEY));
        String otherChain = good.replace("Chain ID: 1\n", "Chain ID: 10\n");
        assertRefused("chainId", otherChain, TestWallets.sign(otherChain, KEY));
        String lowercase = good.replace(message("computepool.example", null).address(),
                message("computepool.example", null).address().toLowerCase());
        assertRefused("address", lowercase, TestWallets.sign(lowercase, KEY));
        assertRefused("nonce", good.replace("Nonce: n0nce12345", "Nonce: short"), TestWallets.sign(good, KEY));
        assertRefused("version", good.replace("Version: 1", "Version: 2"), TestWallets.sign(good, KEY));
        assertRefused("message", good.replace("\n", "\r\n"), TestWallets.sign(good, KEY));
        assertRefused("message", good + "\nSomething: else", TestWallets.sign(good, KEY));
    }

    @Test
    void theTwinOfASignatureWithAHighSIsRefused() {
        String text = message("computepool.example", NOW.plusSeconds(600)).text();
        byte[] signature = HexFormat.of().parseHex(TestWallets.sign(text, KEY).substring(2));
        BigInteger s = new BigInteger(1, java.util.Arrays.copyOfRange(signature, 32, 64));
        byte[] high = Sign.CURVE_PARAMS.getN().subtract(s).toByteArray();
        byte[] twin = signature.clone();
        System.arraycopy(high, high.length - 32, twin, 32, 32);
        twin[64] = (byte) (twin[64] == 27 ? 28 : 27);

        assertRefused("signature", text, "0x" + HexFormat.of().formatHex(twin));
    }

    private static void assertRefused(String field, String text, String signature) {
        InvalidSiweMessage refused = assertThrows(InvalidSiweMessage.class, () -> RULES.accept(text, signature, NOW));
        assertEquals(field, refused.field(), refused.getMessage());
    }
}
