package computepool.localstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArchivesTest {

    @TempDir
    Path dir;

    @Test
    void untarKeepsExecutableBitsAndSymbolicLinks() throws IOException {
        byte[] archive = txz(tar -> {
            file(tar, "bin/postgres", "#!/bin/sh\n", 0755);
            file(tar, "lib/libpq.so.5.17", "elf", 0644);
            TarArchiveEntry link = new TarArchiveEntry("lib/libpq.so", TarArchiveEntry.LF_SYMLINK);
            link.setLinkName("libpq.so.5.17");
            tar.putArchiveEntry(link);
            tar.closeArchiveEntry();
        });

        Archives.untarXz(new ByteArrayInputStream(archive), dir);

        assertTrue(Files.isExecutable(dir.resolve("bin/postgres")));
        assertFalse(Files.isExecutable(dir.resolve("lib/libpq.so.5.17")));
        assertTrue(Files.isSymbolicLink(dir.resolve("lib/libpq.so")));
        assertEquals("elf", Files.readString(dir.resolve("lib/libpq.so")));
    }

    @Test
    void refusesEntriesThatEscapeTheTarget() throws IOException {
        byte[] archive = txz(tar -> file(tar, "../evil", "x", 0644));

        assertThrows(IOException.class, () -> Archives.untarXz(new ByteArrayInputStream(archive), dir.resolve("t")));
        assertFalse(Files.exists(dir.resolve("evil")));
    }

    @Test
    void installationFillsOnceAndLeavesNoPartialDirectory() throws IOException {
        Path target = dir.resolve("cache/component-1.0");
        AtomicInteger fills = new AtomicInteger();
        Installation.Filler filler = directory -> {
            fills.incrementAndGet();
            Files.writeString(directory.resolve("marker"), "installed");
        };

        Installation.ensure(target, filler);
        Installation.ensure(target, filler);

        assertEquals(1, fills.get());
        assertEquals("installed", Files.readString(target.resolve("marker")));
        assertFalse(Files.exists(dir.resolve("cache/component-1.0.partial")));
    }

    @Test
    void failedInstallationLeavesNothingThatLooksInstalled() {
        Path target = dir.resolve("cache/broken-1.0");

        assertThrows(IOException.class, () -> Installation.ensure(target, directory -> {
            throw new IOException("disk full");
        }));

        assertFalse(Files.exists(target));
    }

    private interface TarWriter {
        void write(TarArchiveOutputStream tar) throws IOException;
    }

    private static byte[] txz(TarWriter writer) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new XZCompressorOutputStream(bytes))) {
            writer.write(tar);
        }
        return bytes.toByteArray();
    }

    private static void file(TarArchiveOutputStream tar, String name, String content, int mode) throws IOException {
        byte[] data = content.getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setSize(data.length);
        entry.setMode(mode);
        tar.putArchiveEntry(entry);
        tar.write(data);
        tar.closeArchiveEntry();
    }
}
