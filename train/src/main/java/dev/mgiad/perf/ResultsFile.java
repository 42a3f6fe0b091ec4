package dev.mgiad.perf;

import dev.mgiad.engine.bench.MachineInfo;
import dev.mgiad.train.AtomicFiles;
import dev.mgiad.train.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A benchmark's results for programs ({@code --results-file}): JSON ({@code .json}: the machine, the run's settings,
 * the rows and any extra sections such as a profile) or CSV ({@code .csv}: one line per row, the machine's fields
 * repeated in every line so that files from several machines can be concatenated). Written atomically.
 */
public final class ResultsFile {
    private ResultsFile() { }

    public enum Format { JSON, CSV }

    /** The format of a path by its extension; anything else is a one-line error. */
    public static Format format(Path path) {
        String name = path.getFileName() == null ? "" : path.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".json")) return Format.JSON;
        if (name.endsWith(".csv")) return Format.CSV;
        throw new IllegalArgumentException("--results-file must end in .json or .csv, got '" + path + "'");
    }

    /**
     * Writes {@code rows} with the machine and settings; {@code extra} sections (may be empty) go into JSON only.
     */
    public static void write(Path path, String tool, MachineInfo machine, Map<String, Object> settings,
                             List<Map<String, Object>> rows, Map<String, Object> extra) {
        Format f = format(path);
        try {
            AtomicFiles.writeString(path, f == Format.JSON ? json(tool, machine, settings, rows, extra)
                    : csv(machine, rows));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path + ": " + e.getMessage(), e);
        }
    }

    static String json(String tool, MachineInfo machine, Map<String, Object> settings, List<Map<String, Object>> rows,
                       Map<String, Object> extra) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("tool", tool);
        doc.put("date", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        doc.put("machine", machine.fields());
        doc.put("settings", settings);
        doc.put("rows", new ArrayList<Object>(rows));
        doc.putAll(extra);
        return Json.write(doc) + "\n";
    }

    static String csv(MachineInfo machine, List<Map<String, Object>> rows) {
        Set<String> cols = new LinkedHashSet<>(machine.fields().keySet());
        for (Map<String, Object> r : rows) cols.addAll(r.keySet());
        StringBuilder sb = new StringBuilder(String.join(",", cols)).append('\n');
        for (Map<String, Object> r : rows) {
            List<String> cells = new ArrayList<>();
            for (String c : cols) cells.add(cell(r.containsKey(c) ? r.get(c) : machine.fields().get(c)));
            sb.append(String.join(",", cells)).append('\n');
        }
        return sb.toString();
    }

    private static String cell(Object v) {
        if (v == null) return "";
        if (v instanceof Double d) return Double.isFinite(d) ? String.format(Locale.ROOT, "%.6g", d) : "";
        if (v instanceof List<?> l) { // a list in one cell, space-separated
            List<String> parts = new ArrayList<>();
            for (Object o : l) parts.add(cell(o));
            return String.join(" ", parts);
        }
        String s = v.toString();
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
