package dev.hybridvit.profile;

import dev.hybridvit.deploy.onnx.OnnxGraph;
import dev.hybridvit.deploy.onnx.OnnxOp;

import java.util.List;
import java.util.SplittableRandom;

/**
 * The machine's practical float32 peak, as the denominator of "fraction of peak": GFLOP/s of a
 * single 2048×2048×2048 MatMul in ONNX Runtime (the weight side a constant initializer, as model
 * weights are) with the given intra-op thread count, median over the timed runs.
 */
public final class PeakProbe {
    public static final int N = 2048;

    private PeakProbe() {}

    /** Median GFLOP/s of {@code runs} timed MatMuls after two warm-up runs. */
    public static double gflops(int threads, int runs) {
        OnnxGraph g = new OnnxGraph("peak_matmul", OnnxGraph.DEFAULT_OPSET, false);
        String a = g.input("a", N, N);
        SplittableRandom rnd = new SplittableRandom(7);
        float[] b = new float[N * N];
        for (int i = 0; i < b.length; i++) b[i] = (float) (rnd.nextDouble() - 0.5);
        g.output(g.add(OnnxOp.MATMUL, "c", List.of(a, g.initializer("b", b, N, N))), "c_out");
        float[] x = new float[N * N];
        for (int i = 0; i < x.length; i++) x[i] = (float) (rnd.nextDouble() - 0.5);
        try (OrtRunner r = new OrtRunner(g.toBytes(), threads, x, N, N)) {
            double median = Timing.median(Timing.time(2, runs, r::run));
            return 2.0 * N * N * (double) N / (median / 1e3) / 1e9;
        }
    }
}
