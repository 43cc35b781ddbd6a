package computepool.problems.openapi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ProblemResponsesFilterTest {

    @Test
    void aPublishedPatternIsAnchoredAsBeanValidationMatchesIt() {
        assertEquals("^(?:python3\\.12|node20|bash)$", ProblemResponsesFilter.anchored("python3\\.12|node20|bash"));
        assertEquals("(?s)^(?:.*\\S.*)$", ProblemResponsesFilter.anchored("(?s).*\\S.*"));
        assertEquals("^[a-z]{3}$", ProblemResponsesFilter.anchored("^[a-z]{3}$"));
    }

    @Test
    void searchingWithTheAnchoredPatternAcceptsExactlyWhatAFullMatchAccepts() {
        List<String> patterns = List.of("python3\\.12|node20|bash", "paid|subsidised", "0x[0-9a-fA-F]{40}",
                "(?s).*\\S.*", "[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
        List<String> values = List.of("bash", "xbashx", "bash\nnode20", "python3.12", "python3x12", "paid",
                "unpaid", "subsidised ", "0x" + "ab".repeat(20), "0x" + "ab".repeat(21), " ", "a\nb", "",
                "home-sf-1", "-home", "node20");
        for (String pattern : patterns) {
            Pattern published = Pattern.compile(ProblemResponsesFilter.anchored(pattern));
            for (String value : values) {
                assertEquals(Pattern.matches(pattern, value), published.matcher(value).find(),
                        pattern + " on " + value.replace("\n", "\\n"));
            }
        }
    }
}
