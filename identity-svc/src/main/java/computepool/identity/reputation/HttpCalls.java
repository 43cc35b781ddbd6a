package computepool.identity.reputation;

import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** Calls to other sites' HTTP APIs (Passport, GitHub, Keycloak's broker), answered back on the caller's context. */
final class HttpCalls {

    private HttpCalls() {
    }

    /**
     * The JDK client completes on its own threads; what follows a call (a transaction, a reactive session) needs the
     * Vert.x context the call was made from, so the answer is emitted there.
     */
    static Uni<HttpResponse<String>> send(HttpClient http, HttpRequest request) {
        return Uni.createFrom().deferred(() -> {
            Context caller = Vertx.currentContext();
            Uni<HttpResponse<String>> answer = Uni.createFrom()
                    .completionStage(() -> http.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
            return caller == null ? answer : answer.emitOn(task -> caller.runOnContext(ignored -> task.run()));
        });
    }
}
