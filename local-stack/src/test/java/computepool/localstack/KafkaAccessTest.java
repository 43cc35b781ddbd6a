package computepool.localstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;

/** The broker's users and ACLs are proto/README.md's topic table: who writes each topic, whose groups read it. */
class KafkaAccessTest {

    private static final Path README = Path.of("..", "proto", "README.md");
    private static final Pattern ROW = Pattern.compile("^\\| `([a-z]+)` \\| (.*) \\| (.*) \\|$");
    private static final Pattern SERVICE = Pattern.compile("\\b([a-z]+-svc)\\b");
    private static final Pattern CONSUMER = Pattern.compile("([a-z]+-svc) \\(group ([a-z-]+)\\)");

    @Test
    void eachServiceWritesTheTopicsItProducesAndReadsTheTopicsItConsumes() throws IOException {
        Map<String, Set<String>> writes = new HashMap<>();
        Map<String, Set<String>> reads = new HashMap<>();
        for (String[] row : topicRows()) {
            String topic = row[0];
            SERVICE.matcher(row[1].replaceAll("\\([^)]*\\)", "")).results()
                    .forEach(match -> writes.computeIfAbsent(match.group(1), k -> new TreeSet<>()).add(topic));
            CONSUMER.matcher(row[2]).results()
                    .forEach(match -> reads.computeIfAbsent(match.group(1), k -> new TreeSet<>()).add(topic));
        }
        assertFalse(writes.isEmpty(), "no topic rows read from " + README.toAbsolutePath());

        Set<String> services = new HashSet<>(writes.keySet());
        services.addAll(reads.keySet());
        Set<String> users = KafkaAccess.SERVICES.stream().map(KafkaAccess::service).collect(Collectors.toSet());
        assertTrue(users.containsAll(services), "services of the table without a broker user: " + services);
        for (KafkaAccess access : KafkaAccess.SERVICES) {
            assertEquals(writes.getOrDefault(access.service(), Set.of()), new TreeSet<>(access.writes()),
                    access.service() + " writes");
            assertEquals(reads.getOrDefault(access.service(), Set.of()), new TreeSet<>(access.reads()),
                    access.service() + " reads");
        }
    }

    @Test
    void everyConsumerGroupOfTheTableIsInsideItsServicesGroupPrefix() throws IOException {
        Map<String, KafkaAccess> byService = KafkaAccess.SERVICES.stream()
                .collect(Collectors.toMap(KafkaAccess::service, access -> access));
        int groups = 0;
        for (String[] row : topicRows()) {
            Matcher consumer = CONSUMER.matcher(row[2]);
            while (consumer.find()) {
                groups++;
                String prefix = byService.get(consumer.group(1)).groupPrefix();
                assertTrue(consumer.group(2).startsWith(prefix), consumer.group() + " is outside " + prefix + "*");
            }
        }
        assertTrue(groups >= 5, "the table's consumers were not read: " + groups);
    }

    @Test
    void aProducerMayOnlyWriteAndAConsumerOnlyRead() {
        for (KafkaAccess access : KafkaAccess.SERVICES) {
            for (AclBinding binding : access.bindings()) {
                AclOperation operation = binding.entry().operation();
                assertEquals(access.principal(), binding.entry().principal());
                assertTrue(Set.of(AclOperation.WRITE, AclOperation.DESCRIBE, AclOperation.READ).contains(operation),
                        binding.toString());
                if (binding.pattern().resourceType() == ResourceType.GROUP) {
                    assertEquals(AclOperation.READ, operation);
                    assertEquals(access.groupPrefix(), binding.pattern().name());
                } else if (operation != AclOperation.READ) {
                    assertEquals(PatternType.LITERAL, binding.pattern().patternType(), "writes name one topic each");
                    assertTrue(access.writes().contains(binding.pattern().name()), binding.toString());
                } else {
                    String topic = binding.pattern().patternType() == PatternType.PREFIXED
                            ? binding.pattern().name().substring(0, binding.pattern().name().length() - 1)
                            : binding.pattern().name();
                    assertTrue(access.reads().contains(topic), binding.toString());
                }
            }
        }
    }

    private static List<String[]> topicRows() throws IOException {
        return Files.readAllLines(README).stream()
                .map(ROW::matcher)
                .filter(Matcher::matches)
                .map(match -> new String[] {match.group(1), match.group(2), match.group(3)})
                .toList();
    }
}
