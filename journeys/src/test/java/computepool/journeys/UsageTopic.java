package computepool.journeys;

import com.google.protobuf.InvalidProtocolBufferException;
import computepool.usage.v1.InferenceUsage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** The {@code usage} topic: each request's {@code InferenceUsage} with the {@code ce_id} it was published under. */
final class UsageTopic {

    private static final String TOPIC = "usage";

    record Published(String ceId, InferenceUsage usage) {
    }

    /** A plain client's settings, logged in as the broker's administrator. */
    private final Map<String, Object> kafka;

    UsageTopic(Map<String, Object> kafka) {
        this.kafka = kafka;
    }

    /**
     * Every event of each request, once every request has at least one; the topic is then read on for
     * {@code settle}, so a duplicate published shortly after would be seen too.
     */
    Map<String, List<Published>> ofRequests(Collection<String> requestIds, Duration limit, Duration settle)
            throws InterruptedException {
        allOf(requestIds, limit);
        Thread.sleep(settle.toMillis());
        return allOf(requestIds, limit);
    }

    private Map<String, List<Published>> allOf(Collection<String> requestIds, Duration limit) {
        return TopicScan.scan(kafka, TOPIC, limit, records -> {
            Map<String, List<Published>> found = group(records, requestIds);
            return found.size() == requestIds.size() ? Optional.of(found) : Optional.empty();
        });
    }

    private static Map<String, List<Published>> group(List<ConsumerRecord<String, byte[]>> records,
            Collection<String> requestIds) {
        Map<String, List<Published>> byRequest = new HashMap<>();
        for (ConsumerRecord<String, byte[]> record : records) {
            if (!"computepool.usage.v1.InferenceUsage".equals(IdentityTopic.header(record, "ce_type"))) {
                continue;
            }
            InferenceUsage usage = parse(record.value());
            if (requestIds.contains(usage.getRequestId())) {
                byRequest.computeIfAbsent(usage.getRequestId(), id -> new ArrayList<>())
                        .add(new Published(IdentityTopic.header(record, "ce_id"), usage));
            }
        }
        return byRequest;
    }

    private static InferenceUsage parse(byte[] value) {
        try {
            return InferenceUsage.parseFrom(value);
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError("an InferenceUsage that does not parse", e);
        }
    }
}
