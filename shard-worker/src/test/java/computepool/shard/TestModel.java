package computepool.shard;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where tests find the model GGUF: system property or environment variable
 * {@code COMPUTEPOOL_MODEL_GGUF}, else the cache that {@code shard-worker/scripts/install_model.sh}
 * fills. A missing file fails the test: the build installs the model, so absence is a bug.
 */
public final class TestModel {

    public static final String KEY = "COMPUTEPOOL_MODEL_GGUF";

    private TestModel() {
    }

    public static Path gguf() {
        Path path = Optional.ofNullable(System.getProperty(KEY))
                .or(() -> Optional.ofNullable(System.getenv(KEY)))
                .map(Path::of)
                .orElse(Path.of(System.getProperty("user.home"),
                        ".cache/computepool/models/SmolLM2-135M-Instruct.Q4_1.gguf"));
        if (!Files.isRegularFile(path)) {
            throw new AssertionError("model GGUF not found at " + path + ": run shard-worker/scripts/install_model.sh"
                    + " (or set " + KEY + " to the file)");
        }
        return path;
    }
}
