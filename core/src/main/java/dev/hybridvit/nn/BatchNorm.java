package dev.hybridvit.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.hybridvit.deploy.onnx.OnnxAttr;
import dev.hybridvit.deploy.onnx.OnnxGraph;
import dev.hybridvit.deploy.onnx.OnnxOp;

import java.util.Arrays;
import java.util.List;

/**
 * Batch normalisation over axis 1 ({@code nn.BatchNorm2d} on N×C×H×W, {@code nn.BatchNorm1d} on
 * N×C×L): eval uses the running statistics; training normalises with batch statistics and updates
 * the running ones with PyTorch's momentum 0.1 (unbiased variance), counting batches.
 */
public final class BatchNorm extends Module {
    public static final double EPS = 1e-5;
    public final int channels;
    private final Parameter weight, bias, runningMean, runningVar, batchesTracked;

    public BatchNorm(int channels) {
        this.channels = channels;
        this.weight = parameter("weight", new Shape(channels), Init.ONES);
        this.bias = parameter("bias", new Shape(channels), Init.ZEROS);
        this.runningMean = buffer("running_mean", new Shape(channels), DataType.FLOAT32, Init.ZEROS);
        this.runningVar = buffer("running_var", new Shape(channels), DataType.FLOAT32, Init.ONES);
        this.batchesTracked = buffer("num_batches_tracked", new Shape(), DataType.INT64, Init.ZEROS);
    }

    @Override
    public NDArray forward(NDArray x) {
        if (x.getShape().get(1) != channels) {
            throw new IllegalArgumentException("BatchNorm expects " + channels + " channels, got " + x.getShape());
        }
        if (isTraining()) batchesTracked.value().addi(1);
        // DJL's momentum is the weight of the old running value: 1 - PyTorch's 0.1.
        return ai.djl.nn.norm.BatchNorm.batchNorm(x, runningMean.value(), runningVar.value(), weight.value(), bias.value(),
                1, 0.9f, (float) EPS, isTraining()).singletonOrThrow();
    }

    /** Eval-mode BatchNormalization node (axis 1, any rank ≥ 2). */
    @Override
    public String toOnnx(OnnxGraph g, String x) {
        return g.add(OnnxOp.BATCH_NORM, g.scopeOf(this), List.of(x, OnnxForms.param(g, weight), OnnxForms.param(g, bias),
                OnnxForms.param(g, runningMean), OnnxForms.param(g, runningVar)), OnnxAttr.f("epsilon", EPS));
    }

    /**
     * The node over {@code padded} ≥ C channels (see {@link OnnxForms#nchwcChannels}); the extra
     * channels get γ = β = μ = 0, σ² = 1, so they map to 0.
     */
    public String toOnnxPadded(OnnxGraph g, String x, int padded) {
        if (padded == channels) return toOnnx(g, x);
        String s = g.scopeOf(this);
        float[] var = Arrays.copyOf(runningVar.value().toFloatArray(), padded);
        Arrays.fill(var, channels, padded, 1f);
        return g.add(OnnxOp.BATCH_NORM, s, List.of(x,
                g.initializer(s + ".weight_padded", OnnxForms.padOutputs(weight.value().toFloatArray(), channels, padded), padded),
                g.initializer(s + ".bias_padded", OnnxForms.padOutputs(bias.value().toFloatArray(), channels, padded), padded),
                g.initializer(s + ".running_mean_padded", OnnxForms.padOutputs(runningMean.value().toFloatArray(), channels, padded), padded),
                g.initializer(s + ".running_var_padded", var, padded)), OnnxAttr.f("epsilon", EPS));
    }

    /**
     * The eval-mode map as a per-channel affine y = s·x + t, in float64: s = γ/√(σ²+ε),
     * t = β − s·μ (used to fold this norm into a neighbouring linear op).
     */
    public double[][] affine() {
        float[] g = weight.value().toFloatArray(), b = bias.value().toFloatArray();
        float[] mu = runningMean.value().toFloatArray(), var = runningVar.value().toFloatArray();
        double[] s = new double[channels], t = new double[channels];
        for (int c = 0; c < channels; c++) {
            s[c] = g[c] / Math.sqrt(var[c] + EPS);
            t[c] = b[c] - s[c] * mu[c];
        }
        return new double[][] {s, t};
    }
}
