package dev.hybridvit.profile;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.hybridvit.deploy.onnx.OnnxGraph;
import dev.hybridvit.deploy.onnx.OnnxOp;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
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
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            so.setIntraOpNumThreads(threads);
            so.setInterOpNumThreads(1);
            try (OrtSession s = env.createSession(g.toBytes(), so);
                 OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[] {N, N})) {
                double[] ms = new double[runs];
                for (int i = -2; i < runs; i++) {
                    long t0 = System.nanoTime();
                    try (OrtSession.Result r = s.run(Map.of("a", t))) {
                        if (i >= 0) ms[i] = (System.nanoTime() - t0) / 1e6;
                    }
                }
                Arrays.sort(ms);
                double median = ms[runs / 2];
                return 2.0 * N * N * (double) N / (median / 1e3) / 1e9;
            }
        } catch (OrtException e) {
            throw new IllegalStateException("peak probe failed: " + e.getMessage(), e);
        }
    }
}
