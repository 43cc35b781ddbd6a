package computepool.gateway.inference;

import computepool.shard.client.PipelineClient;
import computepool.shard.client.ShardChannels;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** One channel per shard worker address, shared by every session the gateway opens there. */
public class PipelineClientProducer {

    @Produces
    @Singleton
    ShardChannels channels() {
        return new ShardChannels();
    }

    void close(@Disposes ShardChannels channels) {
        channels.close();
    }

    @Produces
    @Singleton
    PipelineClient pipelineClient(ShardChannels channels) {
        return new PipelineClient(channels);
    }
}
