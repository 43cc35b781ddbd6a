package computepool.shard.config;

import computepool.shard.domain.ShardAssignment;
import io.quarkus.runtime.Startup;
import io.quarkus.runtime.configuration.ConfigurationException;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

/** Builds the worker's assignment from its configuration at startup, so a wrong value stops the worker before it serves. */
public class AssignmentProducer {

    private static final Logger LOG = Logger.getLogger(AssignmentProducer.class);

    @Produces
    @Singleton
    @Startup
    ShardAssignment assignment(ShardConfig config) {
        ShardAssignment assignment;
        try {
            assignment = ShardAssignment.of(config.modelId(), config.layerStart(), config.layerEnd(),
                    config.operatorId(), config.nodeId(), config.payoutAddress());
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException("invalid computepool.shard configuration: " + e.getMessage());
        }
        LOG.infof("Shard of %s, layers [%d, %d), operator %s, node %s, payout to %s", assignment.modelId(),
                assignment.layerStart(), assignment.layerEnd(), assignment.operatorId(), assignment.nodeId(),
                assignment.payoutAddress().value());
        return assignment;
    }
}
