package computepool.identity.reputation;

import computepool.identity.store.GitHubSignalsStore;
import computepool.identity.store.PassportLinkStore;
import computepool.identity.store.ReputationScoreStore;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * The scheduled recomputation: every linked address's Passport score is read again, and every developer with a signal
 * is rescored (a GitHub account ages; a Passport score changes), a score recorded only when it changed. An address
 * Passport cannot score now keeps its last score and is tried again at the next refresh. GitHub itself is read again
 * only with the developer's own token, when the developer asks ({@code PUT /v1/reputation/github}).
 */
@ApplicationScoped
public class ReputationRefresh {

    private static final Logger LOG = Logger.getLogger(ReputationRefresh.class);

    private final PassportLinkStore links;
    private final GitHubSignalsStore github;
    private final PassportApi passport;
    private final Rescoring rescoring;
    private final Clock clock;

    public ReputationRefresh(PassportLinkStore links, GitHubSignalsStore github, PassportApi passport,
            Rescoring rescoring, Clock clock) {
        this.links = links;
        this.github = github;
        this.passport = passport;
        this.rescoring = rescoring;
        this.clock = clock;
    }

    /** What a refresh did: addresses scored again, those Passport could not score, developers rescored. */
    public record Outcome(int addresses, int unavailable, int developers) {
    }

    @Scheduled(identity = "computepool-identity-reputation-refresh",
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
                        .chain(score -> Panache.withTransaction(() -> links.rescored(link.address(), score,
                                clock.instant())))
                        .replaceWithVoid()
                        .onFailure(PassportApi.PassportUnavailable.class).recoverWithUni(failure -> {
                            unavailable.incrementAndGet();
                            LOG.warnf("Passport score of %s not refreshed: %s; kept the last one", link.address(),
                                    failure.getMessage());
                            return Uni.createFrom().voidItem();
                        }))
                .collect().asList()
                .chain(() -> Panache.withSession(github::developers))
                .chain(withGitHub -> {
                    Set<UUID> developers = new LinkedHashSet<>();
                    linked.forEach(link -> developers.add(link.developer()));
                    developers.addAll(withGitHub);
                    return Multi.createFrom().iterable(developers)
                            .onItem().transformToUniAndConcatenate(developer -> Panache.withTransaction(() ->
                                    rescoring.rescore(developer, ReputationScoreStore.Cause.SCHEDULED,
                                            clock.instant())))
                            .collect().asList()
                            .map(done -> new Outcome(linked.size(), unavailable.get(), developers.size()));
                }));
    }
}
