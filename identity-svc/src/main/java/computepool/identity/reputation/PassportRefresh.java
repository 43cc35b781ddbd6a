package computepool.identity.reputation;

import computepool.identity.store.PassportLinkStore;
import computepool.identity.store.ReputationScoreStore;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * Reads every linked address's Passport score again and rescores its developer when it changed. An address Passport
 * cannot score now keeps its last score and is tried again at the next refresh.
 */
@ApplicationScoped
public class PassportRefresh {

    private static final Logger LOG = Logger.getLogger(PassportRefresh.class);

    private final PassportLinkStore links;
    private final PassportApi passport;
    private final Rescoring rescoring;
    private final Clock clock;

    public PassportRefresh(PassportLinkStore links, PassportApi passport, Rescoring rescoring, Clock clock) {
        this.links = links;
        this.passport = passport;
        this.rescoring = rescoring;
        this.clock = clock;
    }

    /** What a refresh did. */
    public record Outcome(int addresses, int unavailable) {
    }

    @Scheduled(identity = "computepool-identity-passport-refresh",
            every = "${computepool.identity.reputation.refresh-interval:24h}",
            delayed = "${computepool.identity.reputation.refresh-interval:24h}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> scheduled() {
        return refreshAll().replaceWithVoid();
    }

    public Uni<Outcome> refreshAll() {
        AtomicInteger unavailable = new AtomicInteger();
        return Panache.withSession(links::allLinked).chain(linked -> Multi.createFrom().iterable(linked)
                .onItem().transformToUniAndConcatenate(link -> passport.score(link.address())
                        .chain(score -> {
                            Instant now = clock.instant();
                            return Panache.withTransaction(() -> links.rescored(link.address(), score, now)
                                    .chain(changed -> changed == 0 ? Uni.createFrom().voidItem()
                                            : rescoring.rescore(link.developer(), ReputationScoreStore.Cause.SCHEDULED,
                                                    now).replaceWithVoid()));
                        })
                        .onFailure(PassportApi.PassportUnavailable.class).recoverWithUni(failure -> {
                            unavailable.incrementAndGet();
                            LOG.warnf("Passport score of %s not refreshed: %s; kept the last one", link.address(),
                                    failure.getMessage());
                            return Uni.createFrom().voidItem();
                        }))
                .collect().asList()
                .map(done -> new Outcome(linked.size(), unavailable.get())));
    }
}
