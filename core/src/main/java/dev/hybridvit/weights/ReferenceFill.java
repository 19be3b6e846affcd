package dev.hybridvit.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.hybridvit.nn.Parameter;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The deterministic weight/input fill rule {@code splitmix64-v1} of the reference parity cases: the
 * official PyTorch models filled by it produced the reference logits, so a port filled the same
 * way must reproduce them. Public so users can rerun the parity check themselves.
 */
public final class ReferenceFill {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L, C1 = 0xBF58476D1CE4E5B9L, C2 = 0x94D049BB133111EBL;
    private static final double TWO_POW_MINUS_24 = 1.0 / (1 << 24);
    /** Stream offset of the input tensor. */
    public static final long INPUT_STREAM = 999_999;

    private final long baseSeed;
    private final double gain, qkGain;

    public ReferenceFill(long baseSeed, double gain, double qkGain) {
        this.baseSeed = baseSeed;
        this.gain = gain;
        this.qkGain = qkGain;
    }

    /** u_i ∈ [0,1) of {@code stream(seed)} for i = 0..n-1 (exact in float32). */
    public static double[] uniform(long seed, int n) {
        double[] u = new double[n];
        for (int i = 0; i < n; i++) {
            long z = seed + (i + 1L) * GOLDEN;
            z = (z ^ (z >>> 30)) * C1;
            z = (z ^ (z >>> 27)) * C2;
            z = z ^ (z >>> 31);
            u[i] = (z >>> 40) * TWO_POW_MINUS_24;
        }
        return u;
    }

    private long streamSeed(long t) {
        return baseSeed * 1_000_003L + t;
    }

    /** The values of the t-th non-counter tensor of the state dict (row-major). */
    public float[] tensor(int t, String name, long[] shape) {
        long numel = 1;
        for (long d : shape) numel *= d;
        double[] u = uniform(streamSeed(t), Math.toIntExact(numel));
        float[] out = new float[u.length];
        for (int i = 0; i < u.length; i++) out[i] = (float) value(name, shape, u[i]);
        return out;
    }

    private double value(String name, long[] shape, double u) {
        double r = 2 * u - 1;
        if (name.endsWith("running_mean")) return 0.1 * r;
        if (name.endsWith("running_var")) return 0.75 + 0.5 * u;
        if (shape.length == 1 && name.endsWith("weight")) return 1 + 0.25 * r;
        if (name.endsWith("bias")) return 0.1 * r;
        if (name.startsWith("relative_pos")) return r;
        if (shape.length >= 2) {
            long fanIn = 1;
            for (int i = 1; i < shape.length; i++) fanIn *= shape[i];
            double scale = Math.sqrt(3.0 / fanIn) * gain;
            if (name.endsWith(".q.weight") || name.endsWith(".k.weight")) scale *= qkGain;
            return r * scale;
        }
        return 0.1 * r;
    }

    /** The input tensor: x = 2r from the input stream. */
    public float[] input(int batch, int size) {
        double[] u = uniform(streamSeed(INPUT_STREAM), batch * 3 * size * size);
        float[] x = new float[u.length];
        for (int i = 0; i < u.length; i++) x[i] = (float) (2 * (2 * u[i] - 1));
        return x;
    }

    /** A state dict for a model with the given slots, filled by the rule ({@code num_batches_tracked} = 0). */
    public Map<String, NDArray> stateDict(Map<String, Parameter> slots, NDManager manager) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        int t = 0;
        for (Map.Entry<String, Parameter> e : slots.entrySet()) {
            Shape shape = e.getValue().shape();
            if (e.getKey().endsWith("num_batches_tracked")) {
                out.put(e.getKey(), manager.zeros(shape, e.getValue().dtype()));
                continue;
            }
            out.put(e.getKey(), manager.create(tensor(t++, e.getKey(), shape.getShape()), shape));
        }
        return out;
    }
}
