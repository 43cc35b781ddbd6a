package computepool.localstack;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/** What a started stack left running: one entry per component, and the env file written for it. */
public record StackState(List<Entry> components, Optional<Path> envFile) {

    /** One running component: its process, where it listens, and the signal that shuts it down cleanly. */
    public record Entry(String name, ProcessTree process, String address, String stopSignal) {
    }

    public static Optional<StackState> read(Path file) throws IOException {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file)) {
            properties.load(reader);
        }
        List<Entry> entries = new ArrayList<>();
        for (String name : properties.getProperty("components", "").split(",")) {
            if (!name.isBlank()) {
                entries.add(new Entry(name,
                        new ProcessTree(Long.parseLong(properties.getProperty(name + ".pid")),
                                Long.parseLong(properties.getProperty(name + ".started-at", "0"))),
                        properties.getProperty(name + ".address", ""),
                        properties.getProperty(name + ".stop-signal", "TERM")));
            }
        }
        return Optional.of(new StackState(entries,
                Optional.ofNullable(properties.getProperty("env-file")).map(Path::of)));
    }

    public void write(Path file) throws IOException {
        Properties properties = new Properties();
        properties.setProperty("components", String.join(",", components.stream().map(Entry::name).toList()));
        for (Entry entry : components) {
            properties.setProperty(entry.name() + ".pid", Long.toString(entry.process().pid()));
            properties.setProperty(entry.name() + ".started-at", Long.toString(entry.process().startedAtMillis()));
            properties.setProperty(entry.name() + ".address", entry.address());
            properties.setProperty(entry.name() + ".stop-signal", entry.stopSignal());
        }
        envFile.ifPresent(path -> properties.setProperty("env-file", path.toString()));
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (Writer writer = Files.newBufferedWriter(tmp)) {
            properties.store(writer, "Processes started by local-stack; removed by stop.");
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
