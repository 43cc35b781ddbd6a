package computepool.shard.engine;

import computepool.gguf.GgmlType;
import computepool.gguf.GgufFile;
import computepool.gguf.GgufTensor;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.Optional;

/** Named model weights in ggml order (the first dimension varies fastest), as stored or as fp32. */
public interface WeightSource {

    /** The tensor's ggml shape, or empty when the model has no such tensor. */
    Optional<long[]> shape(String name);

    /** How the tensor is stored. */
    GgmlType type(String name);

    /** The tensor's bytes as stored: quantized blocks for the block formats. */
    ByteBuffer stored(String name);

    /** Writes every value of {@code name} as fp32 into {@code out} from its position on. */
    void read(String name, FloatBuffer out);

    static WeightSource of(GgufFile gguf) {
        return new WeightSource() {
            @Override
            public Optional<long[]> shape(String name) {
                return gguf.tensor(name).map(GgufTensor::shape);
            }

            @Override
            public GgmlType type(String name) {
                return tensor(name).type();
            }

            @Override
            public ByteBuffer stored(String name) {
                return tensor(name).data();
            }

            @Override
            public void read(String name, FloatBuffer out) {
                tensor(name).dequantizeInto(out);
            }

            private GgufTensor tensor(String name) {
                return gguf.tensor(name).orElseThrow(() -> new UnsupportedModelException("tensor " + name + " is missing"));
            }
        };
    }
}
