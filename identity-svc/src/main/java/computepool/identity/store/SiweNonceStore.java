package computepool.identity.store;

import static computepool.identity.store.NativeSql.instant;
import static computepool.identity.store.NativeSql.rows;
import static computepool.identity.store.NativeSql.update;
import static computepool.identity.store.NativeSql.utc;

import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/** Nonces of Sign-In with Ethereum messages: issued to a developer for an address, each used at most once. */
@ApplicationScoped
public class SiweNonceStore {

    /** Why a nonce could not be used, or that it was. */
    public enum Use { USED_NOW, UNKNOWN, USED_BEFORE, EXPIRED, OTHER_ADDRESS }

    public Uni<Integer> issue(String nonce, UUID developer, String address, Instant at, Instant expiresAt) {
        return update("""
                insert into siwe_nonce (nonce, developer_id, address, issued_at, expires_at)
                values (:nonce, :developer, :address, :at, :expires)""",
                Map.of("nonce", nonce, "developer", developer, "address", address, "at", utc(at),
                        "expires", utc(expiresAt)));
    }

    /**
     * Uses the nonce for {@code developer} and {@code address} if it is theirs, unused and unexpired — one statement,
     * so two requests with the same nonce cannot both use it — and otherwise says why not.
     */
    public Uni<Use> use(String nonce, UUID developer, String address, Instant at) {
        return update("""
                update siwe_nonce set used_at = :at
                where nonce = :nonce and developer_id = :developer and address = :address
                  and used_at is null and expires_at > :at""",
                Map.of("nonce", nonce, "developer", developer, "address", address, "at", utc(at)))
                .chain(used -> used == 1 ? Uni.createFrom().item(Use.USED_NOW) : whyNot(nonce, developer, address, at));
    }

    private Uni<Use> whyNot(String nonce, UUID developer, String address, Instant at) {
        return rows("select developer_id, address, used_at, expires_at from siwe_nonce where nonce = :nonce",
                Map.of("nonce", nonce))
                .map(rows -> {
                    if (rows.isEmpty() || !developer.equals(rows.get(0)[0])) {
                        // Another developer's nonce is as good as none: it tells nothing of theirs.
                        return Use.UNKNOWN;
                    }
                    Object[] row = rows.get(0);
                    if (row[2] != null) {
                        return Use.USED_BEFORE;
                    }
                    if (!instant(row[3]).isAfter(at)) {
                        return Use.EXPIRED;
                    }
                    return address.equals(row[1]) ? Use.USED_BEFORE : Use.OTHER_ADDRESS;
                });
    }
}
