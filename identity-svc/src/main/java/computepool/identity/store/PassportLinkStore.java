package computepool.identity.store;

import static computepool.identity.store.NativeSql.instant;
import static computepool.identity.store.NativeSql.rows;
import static computepool.identity.store.NativeSql.update;
import static computepool.identity.store.NativeSql.utc;

import computepool.identity.domain.reputation.ReputationSignals;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** Developers' proven Ethereum addresses and their Passport scores. */
@ApplicationScoped
public class PassportLinkStore {

    /** The unique indexes whose violation means "already linked": by developer, and by address. */
    public static final String DEVELOPER_KEY = "passport_link_developer_key";
    public static final String ADDRESS_KEY = "passport_link_address_key";

    /** A developer whose address is linked, for the scheduled refresh. */
    public record Linked(UUID developer, String address) {
    }

    public Uni<Optional<ReputationSignals.Passport>> current(UUID developer) {
        return rows("""
                select address, score, scored_at from passport_link
                where developer_id = :developer and unlinked_at is null""", Map.of("developer", developer))
                .map(rows -> rows.stream().findFirst().map(row -> new ReputationSignals.Passport((String) row[0],
                        (BigDecimal) row[1], instant(row[2]))));
    }

    /** Links {@code address} to {@code developer}; a unique index refuses a second link of either. */
    public Uni<Integer> link(UUID developer, String address, String message, String signature, BigDecimal score,
            Instant at) {
        return update("""
                insert into passport_link (id, developer_id, address, message, signature, linked_at, score, scored_at)
                values (:id, :developer, :address, :message, :signature, :at, :score, :at)""",
                Map.of("id", UUID.randomUUID(), "developer", developer, "address", address, "message", message,
                        "signature", signature, "at", utc(at), "score", score));
    }

    public Uni<Integer> unlink(UUID developer, Instant at) {
        return update("update passport_link set unlinked_at = :at where developer_id = :developer and unlinked_at is null",
                Map.of("developer", developer, "at", utc(at)));
    }

    /** Records a newer score of a linked address; the rows it changed (none once the address was unlinked). */
    public Uni<Integer> rescored(String address, BigDecimal score, Instant at) {
        return update("""
                update passport_link set score = :score, scored_at = :at
                where address = :address and unlinked_at is null""",
                Map.of("address", address, "score", score, "at", utc(at)));
    }

    public Uni<List<Linked>> allLinked() {
        return rows("select developer_id, address from passport_link where unlinked_at is null order by linked_at",
                Map.of())
                .map(rows -> rows.stream().map(row -> new Linked((UUID) row[0], (String) row[1])).toList());
    }
}
