package dev.hybridvit.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Layer normalisation over the last axis ({@code nn.LayerNorm(C, eps)}), or over the channels of
 * a B×C×H×W map ({@link #channelsFirst}, timm's {@code LayerNorm2d}).
 */
public final class LayerNorm extends Module {
    public final int channels;
    public final double eps;
    /** Normalises axis 1 of a feature map instead of the last axis. */
    public final boolean channelsFirst;

    private final Parameter weight, bias;

    public Parameter weight() {
        return weight;
    }

    public Parameter bias() {
        return bias;
    }

    public LayerNorm(int channels, double eps) {
        this(channels, eps, false);
    }

    private LayerNorm(int channels, double eps, boolean channelsFirst) {
        this.channels = channels;
        this.eps = eps;
        this.channelsFirst = channelsFirst;
        this.weight = parameter("weight", new Shape(channels), Init.ONES);
        this.bias = parameter("bias", new Shape(channels), Init.ZEROS);
    }

    /** LayerNorm over the channels of B×C×H×W maps (timm's {@code LayerNorm2d}). */
    public static LayerNorm channelsFirst(int channels, double eps) {
        return new LayerNorm(channels, eps, true);
    }

    @Override
    public NDArray forward(NDArray x) {
        if (channelsFirst) return normalizeLast(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2);
        return normalizeLast(x);
    }

    private NDArray normalizeLast(NDArray x) {
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
