package computepool.shard.engine;

/** A model file the engine cannot run correctly, with the reason; refused before any weight is loaded. */
public class UnsupportedModelException extends RuntimeException {

    public UnsupportedModelException(String message) {
        super(message);
    }
}
