package computepool.localstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The OS account PostgreSQL runs under. PostgreSQL refuses to run as root, so when local-stack runs as
 * root it creates an unprivileged system user and runs initdb and postgres as that user through setpriv
 * (which execs, so the recorded pid is postgres itself).
 */
public final class PostgresAccount {

    public static final String SYSTEM_USER = "computepool";

    private final boolean root;

    private PostgresAccount(boolean root) {
        this.root = root;
    }

    public static PostgresAccount current() {
        try {
            return new PostgresAccount((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot tell which user this process runs as", e);
        }
    }

    /** The command that runs {@code command} as the account. */
    public List<String> command(List<String> command) {
        if (!root) {
            return command;
        }
        List<String> wrapped = new ArrayList<>(List.of("setpriv", "--reuid=" + SYSTEM_USER, "--regid=" + SYSTEM_USER,
                "--init-groups", "--"));
        wrapped.addAll(command);
        return wrapped;
    }

    /** Whether the account can reach (search) {@code directory}; root's home, for one, is closed to others. */
    public boolean canReach(Path directory) throws InterruptedException {
        return !root || Commands.succeeds(command(List.of("test", "-x", directory.toString())));
    }

    /** Creates the system user when running as root and it does not exist yet. */
    public void prepare() throws InterruptedException {
        if (!root || Commands.succeeds(List.of("id", "-u", SYSTEM_USER))) {
            return;
        }
        // A concurrent launcher may win the race; the check after useradd is what counts.
        Commands.succeeds(List.of("useradd", "--system", "--user-group", "--no-create-home",
                "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", SYSTEM_USER));
        if (!Commands.succeeds(List.of("id", "-u", SYSTEM_USER))) {
            throw new ComponentFailure("postgres", "running as root, and cannot create the system user "
                    + SYSTEM_USER + " that PostgreSQL must run as (useradd failed)", null);
        }
    }

    /** Hands {@code directory} and everything in it over to the account. */
    public void own(Path directory, Path log) throws InterruptedException {
        if (root) {
            Commands.run("postgres", List.of("chown", "-R", SYSTEM_USER + ":" + SYSTEM_USER, directory.toString()),
                    Map.of(), directory, log, Duration.ofMinutes(1));
        }
    }
}
