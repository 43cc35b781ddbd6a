package computepool.localstack;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;

/** The last lines of a component's log, for reports of a component that crashed or never got ready. */
public final class LogTail {

    public static final int DEFAULT_LINES = 40;

    private LogTail() {
    }

    public static String of(Path log) {
        return of(log, DEFAULT_LINES);
    }

    public static String of(Path log, int lines) {
        Deque<String> tail = new ArrayDeque<>(lines);
        // InputStreamReader replaces malformed bytes, which a crashing process may well leave behind.
        try (BufferedReader reader = new BufferedReader(
                new InputStreamReader(Files.newInputStream(log), StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (tail.size() == lines) {
                    tail.removeFirst();
                }
                tail.addLast(line);
            }
        } catch (NoSuchFileException e) {
            return "(no log at " + log + ")";
        } catch (IOException e) {
            return "(log " + log + " unreadable: " + e.getMessage() + ")";
        }
        return String.join(System.lineSeparator(), tail);
    }
}
