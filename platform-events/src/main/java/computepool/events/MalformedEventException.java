package computepool.events;

/**
 * A Kafka record or payload that is not a valid platform event; retrying it can never succeed.
 */
public class MalformedEventException extends RuntimeException {

    public MalformedEventException(String message) {
        super(message);
    }

    public MalformedEventException(String message, Throwable cause) {
        super(message, cause);
    }
}
