package computepool.localstack;

import java.nio.file.Path;

/** Where installed distributions are kept between stacks: never in the repository, shared by every stack home. */
public final class CacheDir {

    public static final String ENV = "COMPUTEPOOL_CACHE_DIR";

    private CacheDir() {
    }

    public static Path resolve() {
        String explicit = System.getenv(ENV);
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit).toAbsolutePath();
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("computepool").toAbsolutePath();
    }
}
