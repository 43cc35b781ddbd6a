package computepool.events;

/**
 * An outbox row not yet acknowledged by Kafka.
 */
record PendingEvent(String topic, EventEnvelope event) {
}
