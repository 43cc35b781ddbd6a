package computepool.shard.session;

import computepool.shard.client.ShardChannels;
import computepool.shard.config.ShardConfig;
import computepool.shard.engine.ShardEngine;
import computepool.gguf.tokenizer.Tokenizer;
import computepool.shard.v1.CancelSessionRequest;
import computepool.shard.v1.CancelSessionResponse;
import computepool.shard.v1.ShardServiceGrpc;
import computepool.shard.v1.StreamSessionRequest;
import computepool.shard.v1.StreamSessionResponse;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.quarkus.grpc.GrpcService;
import jakarta.inject.Inject;

/**
 * {@code computepool.shard.v1.ShardService}: one {@link SessionStream} per call. Served on the worker's public port,
 * to whoever can reach it: every session and every cancellation needs the session's ticket ({@link SessionTickets}).
 */
@GrpcService
public class ShardStreamService extends ShardServiceGrpc.ShardServiceImplBase {

    @Inject
    ShardEngine engine;

    @Inject
    Tokenizer tokenizer;

    @Inject
    KvSessions sessions;

    @Inject
    ShardChannels channels;

    @Inject
    ShardConfig config;

    @Inject
    SessionTickets tickets;

    @Override
    public StreamObserver<StreamSessionRequest> streamSession(StreamObserver<StreamSessionResponse> responses) {
        SessionStream session = new SessionStream(engine, tokenizer, sessions, channels, tickets,
                config.modelId(), config.workerId(), responses);
        // A caller that cancels or disconnects ends the session at once, not at its next send.
        ((ServerCallStreamObserver<StreamSessionResponse>) responses).setOnCancelHandler(
                () -> session.onError(Status.CANCELLED.asRuntimeException()));
        return session;
    }

    @Override
    public void cancelSession(CancelSessionRequest request, StreamObserver<CancelSessionResponse> response) {
        try {
            tickets.authorize(request);
        } catch (StatusException refused) {
            response.onError(refused);
            return;
        }
        boolean found = sessions.find(request.getSessionId()).map(session -> {
            session.cancel("cancelled by CancelSession");
            return true;
        }).orElse(false);
        response.onNext(CancelSessionResponse.newBuilder().setFound(found).build());
        response.onCompleted();
    }
}
