package computepool.shard.session;

import computepool.shard.client.ShardChannels;
import computepool.shard.v1.ShardServiceGrpc;
import computepool.shard.v1.StreamSessionRequest;
import computepool.shard.v1.StreamSessionResponse;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A StreamSession call driven frame by frame, as a misbehaving peer would. */
record RawStream(StreamObserver<StreamSessionRequest> requests, CompletableFuture<Status> ended) {

    static RawStream open(ShardChannels channels, int port) {
        CompletableFuture<Status> ended = new CompletableFuture<>();
        StreamObserver<StreamSessionRequest> requests = ShardServiceGrpc.newStub(channels.get("127.0.0.1:" + port))
                .streamSession(new StreamObserver<>() {
                    @Override
                    public void onNext(StreamSessionResponse response) {
                    }

                    @Override
                    public void onError(Throwable error) {
                        ended.complete(Status.fromThrowable(error));
                    }

                    @Override
                    public void onCompleted() {
                        ended.complete(Status.OK);
                    }
                });
        return new RawStream(requests, ended);
    }

    void send(StreamSessionRequest request) {
        requests.onNext(request);
    }

    Status awaitError() throws Exception {
        return ended.get(10, TimeUnit.SECONDS);
    }
}
