package computepool.identity.store;

import static computepool.identity.store.NativeSql.instant;
import static computepool.identity.store.NativeSql.rows;
import static computepool.identity.store.NativeSql.update;
import static computepool.identity.store.NativeSql.utc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import computepool.identity.domain.reputation.ReputationScore;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** Every score computed for a developer, with its parts; the newest is the developer's score. */
@ApplicationScoped
public class ReputationScoreStore {

    private static final TypeReference<List<ReputationScore.Part>> PARTS = new TypeReference<>() {
    };

    /** Why a score was computed. */
    public enum Cause { PASSPORT_LINKED, PASSPORT_UNLINKED, GITHUB_READ, SCHEDULED }

    public record Scored(ReputationScore score, Cause cause, Instant computedAt) {
    }

    private final ObjectMapper json;

    public ReputationScoreStore(ObjectMapper json) {
        this.json = json;
    }

    public Uni<Integer> record(UUID developer, ReputationScore score, Cause cause, Instant at) {
        String parts;
        try {
            parts = json.writeValueAsString(score.parts());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a score's parts are plain records", e);
        }
        return update("""
                insert into reputation_score (developer_id, computed_at, cause, total_hundredths, parts)
                values (:developer, :at, :cause, :total, :parts)""",
                Map.of("developer", developer, "at", utc(at), "cause", cause.name(), "total", score.totalHundredths(),
                        "parts", parts));
    }

    public Uni<Optional<Scored>> latest(UUID developer) {
        return history(developer, 1).map(scores -> scores.stream().findFirst());
    }

    /** The newest {@code limit} scores, newest first. */
    public Uni<List<Scored>> history(UUID developer, int limit) {
        return rows("""
                select total_hundredths, parts, cause, computed_at from reputation_score
                where developer_id = :developer order by computed_at desc, id desc limit :limit""",
                Map.of("developer", developer, "limit", limit))
                .map(rows -> rows.stream().map(row -> new Scored(
                        new ReputationScore(((Number) row[0]).intValue(), parts((String) row[1])),
                        Cause.valueOf((String) row[2]), instant(row[3]))).toList());
    }

    private List<ReputationScore.Part> parts(String text) {
        try {
            return json.readValue(text, PARTS);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable parts of a stored score: " + text, e);
        }
    }
}
