package computepool.journeys;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Class-data sharing for the packaged services journeys start again and again. A service's first run writes the
 * classes it loaded to an archive as it stops ({@code -XX:ArchiveClassesAtExit}); later runs map that archive
 * ({@code -XX:SharedArchiveFile}) instead of loading, parsing and verifying every class again, and are ready in about
 * two thirds of the time and CPU. An archive belongs to one build of the jar (its name carries the jar's modification
 * time) and one JVM and set of its settings; the JVM itself refuses an archive that does not match and runs without it.
 *
 * <p>Only one run writes a given archive, and none maps it while it is being written: a run started meanwhile goes
 * without. The archive is written beside its final name and moved there once its run has stopped normally, so a run
 * killed or crashed while writing leaves nothing that a later run would map.
 */
record ClassArchive(List<String> options, Path archive, Path writing) {

    private static final Set<Path> BEING_WRITTEN = ConcurrentHashMap.newKeySet();
    /** The archive's warnings (each class it skips) would bury the service's log; its errors still show. */
    private static final String QUIET = "-Xlog:cds=error";
    /** Exit statuses of a JVM stopped normally: by itself, or by SIGTERM. */
    private static final Set<Integer> STOPPED = Set.of(0, 143);

    /** What a run of {@code jar} with {@code jvmSettings} uses: the archive if there is one, or writes it. */
    static ClassArchive forRun(Path jar, List<String> jvmSettings) {
        Path archive;
        try {
            Path directory = jar.getParent().resolveSibling("class-archives");
            Files.createDirectories(directory);
            archive = directory.resolve("%s-%x-%x.jsa".formatted(jar.getFileName().toString().replace(".jar", ""),
                    Files.getLastModifiedTime(jar).toMillis(), Objects.hash(jvmSettings, Runtime.version())));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare a class archive for " + jar, e);
        }
        if (Files.isRegularFile(archive)) {
            return new ClassArchive(List.of(QUIET, "-XX:SharedArchiveFile=" + archive), archive, null);
        }
        if (BEING_WRITTEN.add(archive)) {
            Path writing = archive.resolveSibling(archive.getFileName() + ".writing");
            return new ClassArchive(List.of(QUIET, "-XX:ArchiveClassesAtExit=" + writing), archive, writing);
        }
        return new ClassArchive(List.of(), archive, null);
    }

    /** Whether this run writes the archive as it stops, which makes its stop take a few seconds longer. */
    boolean writes() {
        return writing != null;
    }

    /** Once the run has exited: the archive it wrote put in place if it stopped normally, otherwise dropped. */
    void exited(Process process) {
        if (writing == null) {
            return;
        }
        try {
            if (STOPPED.contains(process.exitValue()) && Files.isRegularFile(writing)) {
                Files.move(writing, archive, StandardCopyOption.ATOMIC_MOVE);
            } else {
                Files.deleteIfExists(writing);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot put the class archive " + writing + " in place", e);
        } finally {
            BEING_WRITTEN.remove(archive);
        }
    }
}
