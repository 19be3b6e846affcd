package dev.hybridvit.profile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads ONNX Runtime's JSON profile (written with profiling enabled) and sums kernel time per
 * operator type: which ops dominate the deployed graph. Each node counts with the median of its
 * kernel times over the profiled runs, so that a run another process preempted (one 40 ms stall
 * on a shared machine outweighs all of a small op's calls) does not decide the shares.
 */
public final class OrtProfile {
    private OrtProfile() {}

    /**
     * Kernel time of one operator type (after ORT's fusions, e.g. {@code FusedConv}) in one run:
     * the sum of its nodes' median kernel times; {@code share} of all nodes' sum.
     */
    public record OpTime(String op, double millis, int nodes, double share) {}

    /**
     * A profile read: op types by kernel time, largest first; {@code kernelMillis}, the summed
     * node medians; {@code runMillis}, the median run as the session timed it, whose excess over
     * the kernels is time between them (scheduling, the thread pool, allocation).
     */
    public record Summary(List<OpTime> ops, double kernelMillis, double runMillis) {}

    public static Summary read(Path profileJson) throws IOException {
        JsonNode events = new ObjectMapper().readTree(profileJson.toFile());
        Map<String, List<Long>> nodeTimes = new LinkedHashMap<>();
        Map<String, String> nodeOp = new HashMap<>();
        List<Long> runs = new ArrayList<>();
        for (JsonNode e : events) {
            String name = e.path("name").asText();
            if ("Session".equals(e.path("cat").asText()) && name.equals("model_run"))
                runs.add(e.path("dur").asLong());
            if (!"Node".equals(e.path("cat").asText()) || !name.endsWith("_kernel_time")) continue;
            nodeTimes
                    .computeIfAbsent(name, k -> new ArrayList<>())
                    .add(e.path("dur").asLong());
            nodeOp.put(name, e.path("args").path("op_name").asText("?"));
        }
        Map<String, double[]> acc = new HashMap<>(); // op → {µs, nodes}
        double total = 0;
        for (Map.Entry<String, List<Long>> n : nodeTimes.entrySet()) {
            double median = median(n.getValue());
            double[] a = acc.computeIfAbsent(nodeOp.get(n.getKey()), k -> new double[2]);
            a[0] += median;
            a[1]++;
            total += median;
        }
        List<OpTime> ops = new ArrayList<>();
        for (Map.Entry<String, double[]> en : acc.entrySet())
            ops.add(new OpTime(
                    en.getKey(),
                    en.getValue()[0] / 1e3,
                    (int) en.getValue()[1],
                    total == 0 ? 0 : en.getValue()[0] / total));
        ops.sort(Comparator.comparingDouble(OpTime::millis).reversed());
        return new Summary(ops, total / 1e3, runs.isEmpty() ? Double.NaN : median(runs) / 1e3);
    }

    private static double median(List<Long> v) {
        return Timing.median(v.stream().mapToDouble(Long::doubleValue).sorted().toArray());
    }

    /** A few lines: op type, share of kernel time, ms per run, nodes; then kernels against the whole run. */
    public static String render(Summary s, int top) {
        StringBuilder sb = new StringBuilder();
        for (OpTime o : s.ops().subList(0, Math.min(top, s.ops().size())))
            sb.append(String.format(
                    Locale.ROOT,
                    "  %-24s %5.1f%%  %8.2f ms  %5d nodes%n",
                    o.op(),
                    100 * o.share(),
                    o.millis(),
                    o.nodes()));
        sb.append(String.format(
                Locale.ROOT,
                "  kernels %.2f ms per run (node medians) of a median run of %.2f ms%n",
                s.kernelMillis(),
                s.runMillis()));
        return sb.toString();
    }
}
