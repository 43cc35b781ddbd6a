package computepool.billing.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class PriceBookTest {

    private static final Instant JAN = Instant.parse("2026-01-01T00:00:00Z");
    private static final Instant FEB = Instant.parse("2026-02-01T00:00:00Z");

    private final PriceBook book = new PriceBook(List.of(
            new ModelPrice("smollm2", FEB, 200, 400),
            new ModelPrice("smollm2", JAN, 100, 300)));

    @Test
    void nothingIsValidBeforeTheFirstVersion() {
        assertTrue(book.validAt(JAN.minusSeconds(1)).isEmpty());
    }

    @Test
    void aVersionIsValidFromItsOwnInstantUntilTheNext() {
        assertEquals(100, book.validAt(JAN).orElseThrow().promptNanoUsdPerMillionTokens());
        assertEquals(100, book.validAt(FEB.minusNanos(1)).orElseThrow().promptNanoUsdPerMillionTokens());
        assertEquals(200, book.validAt(FEB).orElseThrow().promptNanoUsdPerMillionTokens());
    }

    @Test
    void negativePricesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new ModelPrice("m", JAN, -1, 0));
    }
}
