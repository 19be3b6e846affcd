package dev.hybridvit.profile;

import dev.hybridvit.infer.OnnxPredictor;
import dev.hybridvit.tensor.Tensors;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * Latency of two ONNX graphs of the same model compared in one process, alternating blocks of runs
 * so that the machine's drift over minutes hits both alike: in each round one block
 * of A and one of B (the order alternating), a few untimed runs to let ORT's spinning worker settle
 * on the session, then the median of the block. Reported: both medians and the median and quartiles
 * of the paired differences B − A, the figure to judge a small change by (two separate benchmark
 * runs cannot). The graphs' logits are compared on the same input as well. Every timed run is kept
 * too ({@code runsA}, {@code runsB}, sorted), for the benchmark's latency statistics.
 */
public final class InterleavedComparison {
    private InterleavedComparison() {}

    public record Result(
            double medianA,
            double medianB,
            double diffMedian,
            double diffP25,
            double diffP75,
            double maxAbsLogitDiff,
            double maxAbsLogitA,
            int rounds,
            int block,
            double[] runsA,
            double[] runsB) {}

    /**
     * @param a, b  predictors for graphs with the same input shape
     * @param batch images per run (a fixed-batch graph's own batch, 1 for a dynamic one)
     */
    public static Result run(OnnxPredictor a, OnnxPredictor b, int batch, int rounds, int block, Consumer<String> log) {
        if (rounds < 2 || block < 1)
            throw new IllegalArgumentException(
                    "need at least 2 rounds of at least 1 run, got " + rounds + " × " + block);
        if (a.height() != b.height() || a.width() != b.width()) {
            throw new IllegalArgumentException("the graphs take different inputs: " + a.height() + "×" + a.width()
                    + " vs " + b.height() + "×" + b.width());
        }
        int h = a.height(), w = a.width();
        float[] input = Timing.randomInput((long) batch * 3 * h * w);
        float[] ya = Tensors.flatten(a.predict(input, batch, 3, h, w)),
                yb = Tensors.flatten(b.predict(input, batch, 3, h, w));
        if (ya.length != yb.length)
            throw new IllegalArgumentException("the graphs give " + ya.length + " and " + yb.length + " logits");
        for (int i = 0; i < 3; i++) {
            a.predict(input, batch, 3, h, w);
            b.predict(input, batch, 3, h, w);
        }
        double[] ta = new double[rounds], tb = new double[rounds], diff = new double[rounds];
        double[] runsA = new double[rounds * block], runsB = new double[rounds * block];
        for (int r = 0; r < rounds; r++) {
            boolean aFirst = r % 2 == 0;
            double[] first = timeBlock(aFirst ? a : b, input, batch, h, w, block);
            double[] second = timeBlock(aFirst ? b : a, input, batch, h, w, block);
            double[] blockA = aFirst ? first : second, blockB = aFirst ? second : first;
            System.arraycopy(blockA, 0, runsA, r * block, block);
            System.arraycopy(blockB, 0, runsB, r * block, block);
            ta[r] = Timing.median(blockA);
            tb[r] = Timing.median(blockB);
            diff[r] = tb[r] - ta[r];
            if (log != null)
                log.accept(String.format(
                        java.util.Locale.ROOT, "round %d/%d: A %.2f ms, B %.2f ms", r + 1, rounds, ta[r], tb[r]));
        }
        Arrays.sort(ta);
        Arrays.sort(tb);
        Arrays.sort(diff);
        Arrays.sort(runsA);
        Arrays.sort(runsB);
        return new Result(
                Timing.median(ta),
                Timing.median(tb),
                Timing.median(diff),
                Timing.percentile(diff, 0.25),
                Timing.percentile(diff, 0.75),
                Tensors.maxAbsDiff(ya, yb),
                Tensors.maxAbs(ya),
                rounds,
                block,
                runsA,
                runsB);
    }

    /**
     * One graph's latency among several timed interleaved: the median of its blocks' medians with
     * quartiles, and the fastest block's median ({@code best}), the figure other processes on a
     * busy machine distort least.
     */
    public record Latency(double median, double p25, double p75, double best) {}

    /**
     * The latency of several graphs with the same input, timed as {@link #run} times two: in each
     * round one block of every graph, the order rotating from round to round, so that drift hits
     * all alike.
     */
    public static List<Latency> runAll(
            List<OnnxPredictor> graphs, int batch, int rounds, int block, Consumer<String> log) {
        if (graphs.isEmpty() || rounds < 2 || block < 1)
            throw new IllegalArgumentException("need graphs and at least 2 rounds of at least 1 run, got "
                    + graphs.size() + " graphs, " + rounds + " × " + block);
        int n = graphs.size(), h = graphs.get(0).height(), w = graphs.get(0).width();
        for (OnnxPredictor p : graphs) {
            if (p.height() != h || p.width() != w)
                throw new IllegalArgumentException(
                        "the graphs take different inputs: " + h + "×" + w + " vs " + p.height() + "×" + p.width());
        }
        float[] input = Timing.randomInput((long) batch * 3 * h * w);
        double[][] medians = new double[n][rounds];
        for (int r = 0; r < rounds; r++) {
            for (int k = 0; k < n; k++) {
                int i = (k + r) % n;
                medians[i][r] = Timing.median(timeBlock(graphs.get(i), input, batch, h, w, block));
            }
            if (log != null) log.accept("latency round " + (r + 1) + "/" + rounds);
        }
        List<Latency> out = new java.util.ArrayList<>();
        for (double[] m : medians) {
            Arrays.sort(m);
            out.add(new Latency(Timing.median(m), Timing.percentile(m, 0.25), Timing.percentile(m, 0.75), m[0]));
        }
        return out;
    }

    /** The block's timed runs, sorted. */
    private static double[] timeBlock(OnnxPredictor p, float[] input, int batch, int h, int w, int block) {
        for (int i = 0; i < 3; i++) p.predict(input, batch, 3, h, w); // the other session's worker was spinning
        return Timing.time(0, block, () -> p.predict(input, batch, 3, h, w));
    }
}
