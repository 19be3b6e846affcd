package dev.hybridvit.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** Layer normalisation over the last axis ({@code nn.LayerNorm(C, eps)}). */
public final class LayerNorm extends Module {
    public final int channels;
    public final double eps;
    private final Parameter weight, bias;

    public Parameter weight() {
        return weight;
    }

    public Parameter bias() {
        return bias;
    }

    public LayerNorm(int channels, double eps) {
        this.channels = channels;
        this.eps = eps;
        this.weight = parameter("weight", new Shape(channels), Init.ONES);
        this.bias = parameter("bias", new Shape(channels), Init.ZEROS);
    }

    @Override
    public NDArray forward(NDArray x) {
        return ai.djl.nn.norm.LayerNorm.layerNorm(x, new Shape(channels), weight.value(), bias.value(), (float) eps)
                .singletonOrThrow();
    }

    /** γ and β as a per-channel affine {s, t} in float64, for folding into the next linear op. */
    public double[][] affine() {
        float[] g = weight.value().toFloatArray(), b = bias.value().toFloatArray();
        double[] s = new double[channels], t = new double[channels];
        for (int c = 0; c < channels; c++) {
            s[c] = g[c];
            t[c] = b[c];
        }
        return new double[][] {s, t};
    }
}
