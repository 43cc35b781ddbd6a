package computepool.gguf.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import computepool.shard.TestModel;
import computepool.gguf.GgufFile;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Behaviour of the SmolLM2 tokenizer that the llama.cpp fixtures do not pin down on their own. */
class TokenizerTest {

    private static Tokenizer tokenizer;

    @BeforeAll
    static void load() throws IOException {
        tokenizer = Tokenizer.fromGguf(GgufFile.open(TestModel.gguf()).metadata());
    }

    @Test
    void specialIdsComeFromTheMetadata() {
        assertEquals(new SpecialIds(OptionalInt.of(1), OptionalInt.of(2), OptionalInt.of(0), OptionalInt.of(2)),
                tokenizer.specialIds());
        assertEquals("<|im_start|>", tokenizer.tokenText(1));
        assertEquals(49152, tokenizer.vocabSize());
    }

    @Test
    void controlTokensAreWholeOnlyWhenSpecialTokensAreParsed() {
        assertArrayEquals(new int[] {1, 2}, tokenizer.encode("<|im_start|><|im_end|>"));
        int[] plain = tokenizer.encode("<|im_start|>", false);
        assertTrue(plain.length > 1, "parsed as one token although special tokens were off");
        assertEquals("<|im_start|>", tokenizer.decode(plain));
    }

    @Test
    void streamingHoldsBackCharactersSplitAcrossTokens() {
        String text = "family 👨‍👩‍👧‍👦 done";
        StreamDecoder stream = new StreamDecoder(tokenizer);
        List<String> pieces = new ArrayList<>();
        for (int token : tokenizer.encode(text)) {
            pieces.add(stream.next(token));
        }
        pieces.add(stream.finish());
        assertEquals(text, String.join("", pieces));
        assertTrue(pieces.contains(""), "no token ended inside a character: " + pieces);
        assertTrue(pieces.stream().noneMatch(p -> p.contains("\uFFFD")), "a character was split: " + pieces);
    }

    @Test
    void anUnfinishedCharacterIsReplacedAtTheEnd() {
        int[] emoji = tokenizer.encode("🤖");
        assertTrue(emoji.length > 1, "expected the emoji to span byte tokens");
        StreamDecoder stream = new StreamDecoder(tokenizer);
        assertEquals("", stream.next(emoji[0]));
        assertEquals("\uFFFD", stream.finish());
    }

    @Test
    void rejectsIdsOutsideTheVocabulary() {
        assertThrows(IllegalArgumentException.class, () -> tokenizer.decode(49152));
    }
}
