package dev.hybridvit.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hybridvit.weights.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * timm's {@code --results-file}: rows written as CSV or JSON, chosen by the file's extension,
 * through a temporary file and a rename.
 */
final class ResultsFile {
    private ResultsFile() {}

    /** Rejects a name that is neither {@code .csv} nor {@code .json} before any work is done. */
    static void check(Path file) {
        if (file != null && !isCsv(file) && !isJson(file))
            throw new IllegalArgumentException("--results-file " + file + ": expected a .csv or .json file name");
    }

    /** Writes {@code rows} (all with the keys of the first) as CSV, or {@code json} as JSON. */
    static void write(Path file, List<Map<String, Object>> rows, Object json) throws IOException {
        check(file);
        if (isJson(file)) {
            byte[] bytes = new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(json);
            AtomicFiles.write(file, out -> out.write(bytes));
            return;
        }
        StringBuilder sb = new StringBuilder();
        if (!rows.isEmpty()) sb.append(line(List.copyOf(rows.get(0).keySet())));
        for (Map<String, Object> r : rows) sb.append(line(List.copyOf(r.values())));
        AtomicFiles.write(file, out -> out.write(sb.toString().getBytes(StandardCharsets.UTF_8)));
    }

    private static String line(List<?> values) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < values.size(); i++) {
            String v = cell(values.get(i));
            if (v.contains(",") || v.contains("\"") || v.contains("\n")) v = "\"" + v.replace("\"", "\"\"") + "\"";
            sb.append(i == 0 ? "" : ",").append(v);
        }
        return sb.append('\n').toString();
    }

    private static String cell(Object v) {
        if (v instanceof float[] a) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < a.length; i++) sb.append(i == 0 ? "" : " ").append(a[i]);
            return sb.toString();
        }
        return String.valueOf(v);
    }

    private static boolean isCsv(Path f) {
        return f.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".csv");
    }

    private static boolean isJson(Path f) {
        return f.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json");
    }
}
