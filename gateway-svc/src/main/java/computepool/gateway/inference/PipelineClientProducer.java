package computepool.gateway.inference;

import computepool.gateway.config.GatewayConfig;
import computepool.shard.client.PipelineClient;
import computepool.shard.client.ShardChannels;
import computepool.shard.client.TicketKeys;
import computepool.shard.client.TicketSigner;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;

/**
 * One channel per shard worker address, shared by every session the gateway opens there, and the key every session's
 * ticket is signed with.
 */
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
    PipelineClient pipelineClient(ShardChannels channels, GatewayConfig config, Clock clock) {
        return new PipelineClient(channels, new TicketSigner(TicketKeys.privateKey(config.ticket().signingKey()),
                config.ticket().issuedBy(), clock), config.maxSessionDuration());
    }
}
