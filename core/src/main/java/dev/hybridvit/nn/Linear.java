package dev.hybridvit.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.hybridvit.deploy.onnx.OnnxGraph;

/** Fully connected layer ({@code nn.Linear}) over the last axis; weight is out×in. */
public final class Linear extends Module {
    public final int in, out;
    private final Parameter weight;
    private final Parameter bias;

    public Linear(int in, int out, boolean bias) {
        this.in = in; this.out = out;
        this.weight = parameter("weight", new Shape(out, in), Init.TRUNC_NORMAL_02);
        this.bias = bias ? parameter("bias", new Shape(out), Init.ZEROS) : null;
    }

    public Parameter weight() { return weight; }
    public Parameter bias() { return bias; }

    @Override
    public NDArray forward(NDArray x) {
        NDArray y = ai.djl.nn.core.Linear.linear(x, weight.value(), bias == null ? null : bias.value()).singletonOrThrow();
        MacCounter.add(y.getShape().size() * in);
        return y;
    }

    @Override
    public String toOnnx(OnnxGraph g, String x) {
        return toOnnx(g, x, 1.0);
    }

    /**
     * ONNX form with the output multiplied by a constant {@code scale} folded into weight and bias
     * (e.g. attention's d^-½ folded into q): Gemm on a 2-D input, MatMul + Add otherwise (what ORT
     * fuses best), with the transposed weight stored as the initializer.
     */
    public String toOnnx(OnnxGraph g, String x, double scale) {
        return toOnnx(g, x, scale, null);
    }

    /**
     * As {@link #toOnnx(OnnxGraph, String, double)}, with a per-channel affine map that precedes
     * this layer (a LayerNorm's γ, β; see {@link LayerNorm#normalizeOnnx}) folded into weight and
     * bias; {@code preAffine} may be null.
     */
    public String toOnnx(OnnxGraph g, String x, double scale, double[][] preAffine) {
        float[][] wb = hostWeights(scale, preAffine);
        return OnnxForms.linear(g, g.scopeOf(this), x, wb[0], wb[1], out, in);
    }

    /**
     * {weight (out×in, row-major), bias (null without one)} as host arrays for an ONNX form: a
     * preceding per-channel affine folded in first (null for none), then the output scale.
     */
    public float[][] hostWeights(double scale, double[][] preAffine) {
        float[] w = weight.value().toFloatArray();
        float[] b = bias == null ? null : bias.value().toFloatArray();
        if (preAffine != null) {
            float[][] folded = BatchNormFold.foldBefore(w, b, out, preAffine);
            w = folded[0];
            b = folded[1];
        }
        if (scale != 1.0) {
            for (int i = 0; i < w.length; i++) w[i] = (float) (w[i] * scale);
            if (b != null) for (int o = 0; o < out; o++) b[o] = (float) (b[o] * scale);
        }
        return new float[][] {w, b};
    }
}
