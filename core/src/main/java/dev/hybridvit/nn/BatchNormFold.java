package dev.hybridvit.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Folds a per-channel affine map that runs <em>before</em> a linear op (a pre-norm BatchNorm) into
 * that op — Next-ViT's {@code merge_pre_bn}: for y = W(s⊙x + t) + b it sets W' = W·diag(s) and
 * b' = b + W·t, computed in float64 from the original W.
 */
public final class BatchNormFold {
    private BatchNormFold() {}

    /**
     * Pre-norm fold on host arrays, leaving the inputs untouched: {@code w} is O×I row-major, or
     * O×I×k×k for a conv (exact only if the conv does not pad: a padded border would see t·0);
     * {@code b} may be null (zero); returns {new W, new b}.
     */
    public static float[][] foldBefore(float[] w, float[] b, int out, double[][] affine) {
        int in = affine[0].length;
        if (w.length % ((long) out * in) != 0) {
            throw new IllegalArgumentException(
                    "cannot fold " + in + " channels into a weight of " + out + "×" + (w.length / out));
        }
        int taps = w.length / (out * in);
        float[] w2 = new float[w.length], b2 = new float[out];
        for (int o = 0; o < out; o++) {
            double acc = b == null ? 0 : b[o];
            for (int i = 0; i < in; i++) {
                for (int k = 0; k < taps; k++) {
                    int at = (o * in + i) * taps + k;
                    acc += (double) w[at] * affine[1][i];
                    w2[at] = (float) (w[at] * affine[0][i]);
                }
            }
            b2[o] = (float) acc;
        }
        return new float[][] {w2, b2};
    }

    /**
     * Pre-norm fold into a depthwise conv (C×1×k×k, row-major) that does not pad: W'[c] = s[c]·W[c],
     * b'[c] = b[c] + t[c]·ΣW[c]. Exact only without padding (a padded border would see t·0).
     */
    public static float[][] foldBeforeDepthwise(float[] w, float[] b, int channels, double[][] affine) {
        if (affine[0].length != channels) {
            throw new IllegalArgumentException(
                    "cannot fold " + affine[0].length + " channels into a depthwise conv of " + channels);
        }
        int taps = w.length / channels;
        float[] w2 = new float[w.length], b2 = new float[channels];
        for (int c = 0; c < channels; c++) {
            double sum = 0;
            for (int j = 0; j < taps; j++) {
                sum += w[c * taps + j];
                w2[c * taps + j] = (float) (w[c * taps + j] * affine[0][c]);
            }
            b2[c] = (float) ((b == null ? 0 : b[c]) + affine[1][c] * sum);
        }
        return new float[][] {w2, b2};
    }

    /**
     * Post-norm fold (conv → BN, the usual Conv+BN merge) on host arrays: for y = s⊙(W x + b) + t
     * returns W' = diag(s)·W and b' = s⊙b + t; {@code b} may be null.
     */
    public static float[][] foldAfter(float[] w, float[] b, int out, double[][] affine) {
        int per = w.length / out;
        if (affine[0].length != out) {
            throw new IllegalArgumentException(
                    "cannot fold " + affine[0].length + " channels after " + out + " outputs");
        }
        float[] w2 = new float[w.length], b2 = new float[out];
        for (int o = 0; o < out; o++) {
            double s = affine[0][o];
            for (int i = 0; i < per; i++) w2[o * per + i] = (float) (w[o * per + i] * s);
            b2[o] = (float) (s * (b == null ? 0 : b[o]) + affine[1][o]);
        }
        return new float[][] {w2, b2};
    }

    /** {@code weight} is O×I (Linear) or O×I×1×1 (pointwise conv); {@code bias} must exist. */
    public static void foldInto(Parameter weight, Parameter bias, double[][] affine) {
        Shape shape = weight.shape();
        int out = (int) shape.get(0), in = (int) (shape.size() / out);
        if (in != affine[0].length) {
            throw new IllegalArgumentException(
                    "cannot fold " + affine[0].length + " channels into a weight of shape " + shape);
        }
        float[] w = weight.value().toFloatArray();
        float[] b = bias.value().toFloatArray();
        float[] w2 = new float[w.length];
        for (int o = 0; o < out; o++) {
            double acc = b[o];
            for (int i = 0; i < in; i++) {
                int at = o * in + i;
                acc += (double) w[at] * affine[1][i];
                w2[at] = (float) (w[at] * affine[0][i]);
            }
            b[o] = (float) acc;
        }
        NDArray nw = weight.value().getManager().create(w2, shape);
        NDArray nb = bias.value().getManager().create(b, bias.shape());
        weight.copyFrom(nw);
        bias.copyFrom(nb);
        nw.close();
        nb.close();
    }
}
