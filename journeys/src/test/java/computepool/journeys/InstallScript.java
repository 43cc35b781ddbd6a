package computepool.journeys;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** One of {@code journeys/scripts/install_*.sh}: idempotent, it installs a tool and prints where it is. */
final class InstallScript {

    private InstallScript() {
    }

    /** Runs {@code journeys/scripts/<name>} (its errors to the test's), and the path it printed. */
    static Path run(Path root, String name, long limitMinutes) throws IOException, InterruptedException {
        Process install = new ProcessBuilder(root.resolve("journeys/scripts").resolve(name).toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String printed = new String(install.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!install.waitFor(limitMinutes, TimeUnit.MINUTES) || install.exitValue() != 0) {
            throw new IllegalStateException("journeys/scripts/" + name + " failed");
        }
        return Path.of(printed);
    }
}
