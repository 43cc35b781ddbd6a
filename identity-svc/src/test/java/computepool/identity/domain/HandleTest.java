package computepool.identity.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class HandleTest {

    @Test
    void acceptsGithubStyleHandles() {
        assertEquals("ada-lovelace", new Handle("ada-lovelace").value());
    }

    @Test
    void rejectsUppercaseEdgesAndLength() {
        assertThrows(IllegalArgumentException.class, () -> new Handle("Ada"));
        assertThrows(IllegalArgumentException.class, () -> new Handle("-ada"));
        assertThrows(IllegalArgumentException.class, () -> new Handle("ada-"));
        assertThrows(IllegalArgumentException.class, () -> new Handle("ab"));
        assertThrows(IllegalArgumentException.class, () -> new Handle("a".repeat(40)));
    }

    @Test
    void suggestsAValidHandleFromAnyUsername() {
        assertEquals("ada-lovelace", Handle.suggestedFrom("Ada.Lovelace").value());
        assertEquals("x00", Handle.suggestedFrom("x").value());
        assertEquals("a".repeat(39), Handle.suggestedFrom("a".repeat(50)).value());
        assertEquals("b00", Handle.suggestedFrom("__b__").value());
    }
}
