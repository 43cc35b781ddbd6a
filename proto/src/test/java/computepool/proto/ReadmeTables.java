package computepool.proto;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The pipe tables of a markdown file, each found by its header row; cells come without their backticks.
 */
final class ReadmeTables {

    private static final Pattern MODULE = Pattern.compile("^([a-z][a-z0-9-]*)");
    private static final Pattern GROUP = Pattern.compile("^([a-z][a-z0-9-]*)\\s*\\(\\s*group\\s+([^\\s)]+)\\s*\\)$");

    /** An entry of a cell that lists modules: a consumer with its group, or a module with a remark. */
    record Entry(String module, String group) {
    }

    private final List<List<List<String>>> tables;

    private ReadmeTables(List<List<List<String>>> tables) {
        this.tables = tables;
    }

    static ReadmeTables parse(String markdown) {
        List<List<List<String>>> tables = new ArrayList<>();
        List<List<String>> current = null;
        boolean fenced = false;
        for (String line : markdown.split("\n", -1)) {
            String trimmed = line.strip();
            if (trimmed.startsWith("```")) {
                fenced = !fenced;
            }
            if (fenced || !trimmed.startsWith("|")) {
                current = null;
                continue;
            }
            if (current == null) {
                current = new ArrayList<>();
                tables.add(current);
            }
            if (!trimmed.matches("\\|[\\s|:-]+\\|?")) {
                current.add(cells(trimmed));
            }
        }
        return new ReadmeTables(tables);
    }

    /**
     * The rows of the table whose header is {@code header}, each keyed by column.
     *
     * @throws AssertionError when no table has that header
     */
    List<Map<String, String>> rows(String... header) {
        List<String> wanted = Arrays.asList(header);
        for (List<List<String>> table : tables) {
            if (!table.isEmpty() && table.getFirst().equals(wanted)) {
                List<Map<String, String>> rows = new ArrayList<>();
                for (List<String> cells : table.subList(1, table.size())) {
                    Map<String, String> row = new LinkedHashMap<>();
                    for (int i = 0; i < header.length; i++) {
                        row.put(header[i], i < cells.size() ? cells.get(i) : "");
                    }
                    rows.add(row);
                }
                return rows;
            }
        }
        throw new AssertionError("proto/README.md has no table with the header | " + String.join(" | ", header) + " |");
    }

    /** The comma-separated entries of a cell, commas inside parentheses kept; none for a cell saying "none ...". */
    static List<String> entries(String cell) {
        List<String> entries = new ArrayList<>();
        if (cell.isBlank() || cell.strip().startsWith("none")) {
            return entries;
        }
        int depth = 0;
        StringBuilder entry = new StringBuilder();
        for (char c : cell.toCharArray()) {
            depth += c == '(' ? 1 : c == ')' ? -1 : 0;
            if (c == ',' && depth == 0) {
                entries.add(entry.toString().strip());
                entry.setLength(0);
            } else {
                entry.append(c);
            }
        }
        entries.add(entry.toString().strip());
        return entries;
    }

    /** The module an entry names first: "billing-svc (books the payout)" names billing-svc. */
    static String module(String entry) {
        Matcher module = MODULE.matcher(entry);
        return module.find() ? module.group(1) : entry;
    }

    /** A topic table consumer, "billing-svc (group billing-svc)"; the group is null when the entry has none. */
    static Entry consumer(String entry) {
        Matcher consumer = GROUP.matcher(entry);
        return consumer.matches() ? new Entry(consumer.group(1), consumer.group(2)) : new Entry(module(entry), null);
    }

    private static List<String> cells(String line) {
        String inner = line.substring(1, line.endsWith("|") && line.length() > 1 ? line.length() - 1 : line.length());
        return Arrays.stream(inner.split("\\|", -1)).map(cell -> cell.replace("`", "").strip()).toList();
    }
}
