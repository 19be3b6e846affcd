package dev.hybridvit.profile;

import dev.hybridvit.export.onnx.OnnxGraph;
import dev.hybridvit.export.onnx.OnnxOp;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The machine's practical float32 peak, as the denominator of "fraction of peak": GFLOP/s of a
 * single 2048×2048×2048 MatMul in ONNX Runtime (the weight side a constant initializer, as model
 * weights are) with the given intra-op thread count. The benchmark probes it right before and
 * right after each measurement, because a shared machine's speed drifts over minutes.
 */
public final class PeakProbe implements AutoCloseable {
    public static final int N = 2048;
    private final OrtRunner runner;

    private PeakProbe(OrtRunner runner) {
        this.runner = runner;
    }

    /** A ready MatMul session with {@code threads} intra-op threads. */
    public static PeakProbe open(int threads) {
        OnnxGraph g = new OnnxGraph("peak_matmul", OnnxGraph.DEFAULT_OPSET, false);
        String a = g.input("a", N, N);
        SplittableRandom rnd = new SplittableRandom(7);
        float[] b = new float[N * N];
        for (int i = 0; i < b.length; i++) b[i] = (float) (rnd.nextDouble() - 0.5);
        g.output(g.add(OnnxOp.MATMUL, "c", List.of(a, g.initializer("b", b, N, N))), "c_out");
        float[] x = new float[N * N];
        for (int i = 0; i < x.length; i++) x[i] = (float) (rnd.nextDouble() - 0.5);
        return new PeakProbe(new OrtRunner(g.toBytes(), threads, x, N, N));
    }

    /** Median GFLOP/s of {@code runs} MatMuls after {@link Timing#time}'s shortest warm-up (one run, at least a second). */
    public double gflops(int runs) {
        return gflops(Timing.median(Timing.time(1, runs, runner::run)));
    }

    /** GFLOP/s of one MatMul that took {@code ms}. */
    public static double gflops(double ms) {
        return 2.0 * N * N * (double) N / (ms / 1e3) / 1e9;
    }

    @Override
    public void close() {
        runner.close();
    }
}
