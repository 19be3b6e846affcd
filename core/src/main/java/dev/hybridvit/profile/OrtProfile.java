package dev.hybridvit.profile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads ONNX Runtime's JSON profile (written with profiling enabled) and sums kernel time per
 * operator type: which ops dominate the deployed graph.
 */
public final class OrtProfile {
    private OrtProfile() {}

    /** Time spent in one operator type (after ORT's fusions, e.g. {@code FusedConv}). */
    public record OpTime(String op, long micros, int calls, double share) {}

    /** Per-op-type kernel time over all runs recorded in {@code profileJson}, largest first. */
    public static List<OpTime> byOpType(Path profileJson) throws IOException {
        JsonNode events = new ObjectMapper().readTree(profileJson.toFile());
        Map<String, long[]> acc = new HashMap<>();
        long total = 0;
        for (JsonNode e : events) {
            if (!"Node".equals(e.path("cat").asText())
                    || !e.path("name").asText().endsWith("_kernel_time")) continue;
            String op = e.path("args").path("op_name").asText("?");
            long dur = e.path("dur").asLong();
            long[] a = acc.computeIfAbsent(op, k -> new long[2]);
            a[0] += dur;
            a[1]++;
            total += dur;
        }
        List<OpTime> out = new ArrayList<>();
        for (Map.Entry<String, long[]> en : acc.entrySet()) {
            out.add(new OpTime(
                    en.getKey(),
                    en.getValue()[0],
                    (int) en.getValue()[1],
                    total == 0 ? 0 : en.getValue()[0] / (double) total));
        }
        out.sort(Comparator.comparingLong(OpTime::micros).reversed());
        return out;
    }

    /** A few lines: op type, share of kernel time, total ms, calls. */
    public static String render(List<OpTime> ops, int top) {
        StringBuilder sb = new StringBuilder();
        for (OpTime o : ops.subList(0, Math.min(top, ops.size()))) {
            sb.append(String.format(
                    "  %-24s %5.1f%%  %9.1f ms  %6d calls%n", o.op, 100 * o.share, o.micros / 1e3, o.calls));
        }
        return sb.toString();
    }
}
