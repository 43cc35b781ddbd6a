package computepool.journeys;

import computepool.shard.client.ShardChannels;
import computepool.shard.v1.ShardServiceGrpc;
import computepool.shard.v1.StreamSessionRequest;
import computepool.shard.v1.StreamSessionResponse;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One {@code StreamSession} on a shard worker written frame by frame, as no gateway would: for journeys that send a
 * worker what it must refuse. Answers are ignored; what counts is how the call ended.
 */
final class RawSession {

    private RawSession() {
    }

    /** Sends the frames in order and returns the status the worker ended the call with, within 30 s. */
    static Status run(ShardChannels channels, String address, List<StreamSessionRequest> frames) throws Exception {
        CompletableFuture<Status> ended = new CompletableFuture<>();
        StreamObserver<StreamSessionRequest> requests = ShardServiceGrpc.newStub(channels.get(address))
                .streamSession(new StreamObserver<StreamSessionResponse>() {
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
        frames.forEach(requests::onNext);
        try {
            return ended.get(30, TimeUnit.SECONDS);
        } finally {
            if (!ended.isDone()) {
                requests.onCompleted();
            }
        }
    }
}
