package computepool.gguf;

/** A GGUF file that is malformed or uses something this reader does not support. */
public class GgufFormatException extends RuntimeException {

    public GgufFormatException(String message) {
        super(message);
    }
}
