package computepool.shard.engine;

import computepool.shard.TestModel;
import computepool.gguf.GgufFile;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The installed model, loaded once per test JVM: every test class that needs the whole model shares
 * this engine instead of dequantizing and loading another 0.5 GB copy. Never closed; it lives as
 * long as the JVM.
 */
final class TestEngines {

    private static GgufFile gguf;
    private static ShardEngine whole;

    private TestEngines() {
    }

    static synchronized GgufFile gguf() {
        if (gguf == null) {
            try {
                gguf = GgufFile.open(TestModel.gguf());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return gguf;
    }

    /** All 30 layers on one engine. */
    static synchronized ShardEngine whole() throws Exception {
        if (whole == null) {
            whole = ShardEngine.load(gguf(), 0, 30, EngineOptions.cpu(0));
        }
        return whole;
    }
}
