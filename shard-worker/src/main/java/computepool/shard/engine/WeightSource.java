package computepool.shard.engine;

import computepool.shard.gguf.GgufFile;
import computepool.shard.gguf.GgufTensor;
import java.nio.FloatBuffer;
import java.util.Optional;

/** Named model weights as fp32, in ggml order (the first dimension varies fastest). */
public interface WeightSource {

    /** The tensor's ggml shape, or empty when the model has no such tensor. */
    Optional<long[]> shape(String name);

    /** Writes every value of {@code name} into {@code out} from its position on. */
    void read(String name, FloatBuffer out);

    static WeightSource of(GgufFile gguf) {
        return new WeightSource() {
            @Override
            public Optional<long[]> shape(String name) {
                return gguf.tensor(name).map(GgufTensor::shape);
            }

            @Override
            public void read(String name, FloatBuffer out) {
                gguf.tensor(name).orElseThrow(() -> new UnsupportedModelException("tensor " + name + " is missing"))
                        .dequantizeInto(out);
            }
        };
    }
}
