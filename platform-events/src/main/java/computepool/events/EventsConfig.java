package computepool.events;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/**
 * Settings of the outbox relay and the idempotent consumers.
 */
@ConfigMapping(prefix = "computepool.events")
public interface EventsConfig {

    /** CloudEvents {@code ce_source} of the events this service appends, e.g. {@code /identity-svc}. */
    @WithDefault("/${quarkus.application.name}")
    String source();

    /** The relay that publishes the outbox to Kafka. */
    Relay relay();

    /** Idempotent consumers. */
    Consumer consumer();

    interface Relay {

        /** Run the relay and the pruning of old outbox and processed-event rows; false in a service without a database. */
        @WithDefault("true")
        boolean enabled();

        /** Pause between two polls of the outbox, in milliseconds or longer. */
        @WithDefault("250ms")
        Duration interval();

        /** Most rows published in one transaction. */
        @WithDefault("200")
        int batchSize();

        /** How long published rows stay in {@code outbox_event} before they are deleted. */
        @WithDefault("24h")
        Duration retention();

        /** How often rows past their retention are deleted from {@code outbox_event} and {@code processed_event}. */
        @WithDefault("10m")
        Duration pruneInterval();
    }

    interface Consumer {

        /**
         * How long a failing effect is retried before its record is parked; the partition waits meanwhile, so the
         * order of each aggregate's events is kept. Zero parks after the first failure.
         */
        @WithDefault("10m")
        Duration retryHorizon();

        /** A consumer retrying one event longer than this makes the service not ready. */
        @WithDefault("10s")
        Duration unreadyAfter();

        /** How often the gauge of parked events per consumer is read from the database. */
        @WithDefault("30s")
        Duration parkedGaugeInterval();

        /** Wait before the second attempt; it doubles with every further attempt up to max-backoff. */
        @WithDefault("200ms")
        Duration initialBackoff();

        /** Longest wait between two attempts. */
        @WithDefault("5s")
        Duration maxBackoff();

        /** How long {@code processed_event} remembers a ce_id; keep it longer than the topics' retention. */
        @WithDefault("30d")
        Duration dedupeRetention();
    }
}
