package dev.hybridvit.export;

import dev.hybridvit.export.onnx.OnnxAttr;
import dev.hybridvit.export.onnx.OnnxGraph;
import dev.hybridvit.export.onnx.OnnxOp;
import dev.hybridvit.nn.BatchNormFold;
import dev.hybridvit.nn.Conv2d;
import dev.hybridvit.nn.Linear;
import dev.hybridvit.nn.Parameter;
import java.util.Arrays;
import java.util.List;

/**
 * Shared pieces of the modules' ONNX forms: parameters as initializers, weights as host arrays
 * with neighbouring affine maps folded in, the linear layer as MatMul/Gemm, the token/map layout
 * changes, and the channel padding that lets ORT run a layer in its blocked NCHWc layout.
 */
public final class OnnxForms {
    private OnnxForms() {}

    /**
     * B×C×H×W → B×(H·W)×C raster-order tokens, as a 4-D NCHW→NHWC Transpose then a Reshape: ORT
     * turns that Transpose after a blocked (NCHWc) conv into the reorder it needs anyway.
     */
    public static String tokens(OnnxGraph g, String scope, String x) {
        long[] s = g.shape(x);
        return g.reshape(g.transpose(x, scope + "/nhwc", 0, 2, 3, 1), scope + "/tokens", 0, s[2] * s[3], s[1]);
    }

    /** B×N×C tokens → B×C×h×w, as a Reshape to NHWC then a 4-D Transpose (which ORT fuses into the next conv's reorder). */
    public static String map(OnnxGraph g, String scope, String tokens, long c, long h, long w) {
        return g.transpose(g.reshape(tokens, scope + "/nhwc", 0, h, w, c), scope + "/nchw", 0, 3, 1, 2);
    }

    /** The initializer of a parameter (named by its state-dict key), added once per graph. */
    public static String param(OnnxGraph g, Parameter p) {
        return g.initializer(
                p, g.scopeOf(p), () -> p.value().toFloatArray(), p.shape().getShape());
    }

    /**
     * {@code conv}'s node with replacement weights, on an input whose channels may be zero-padded
     * past {@code conv.in} (see {@link #streamChannels}): the extra input channels get zero weights.
     */
    public static String convOnPadded(OnnxGraph g, Conv2d conv, String x, float[] w, float[] b, String hint) {
        int in = (int) g.shape(x)[1];
        if (in == conv.in) return conv(g, conv, x, w, b, hint);
        return conv(g, conv, x, padInputs(w, conv.out, conv.in, in), b, hint, in, conv.out);
    }

    /**
     * {@code conv(x) + x} as one Conv for a depthwise k×k conv with stride 1 and "same" padding
     * (CMT's LPU and IRFFN skip): the identity is a 1 added to each channel's centre tap, which
     * always lies inside the image, so the fold is exact. {@code w}/{@code b}: the conv's (possibly
     * already folded) weight and bias.
     */
    public static String convPlusInput(OnnxGraph g, Conv2d conv, String x, float[] w, float[] b, String hint) {
        if (conv.groups != conv.in
                || conv.in != conv.out
                || conv.stride != 1
                || conv.kernel % 2 == 0
                || conv.padding != conv.kernel / 2) {
            throw new IllegalArgumentException(
                    "only a depthwise stride-1 'same' conv takes its input as the centre tap");
        }
        int channels = (int) g.shape(x)[1]; // more than conv.out on a zero-padded stream (see streamChannels)
        float[] bias = b == null ? new float[conv.out] : b;
        return conv(
                g,
                conv,
                x,
                padOutputs(plusIdentity(conv, w), conv.out, channels),
                padOutputs(bias, conv.out, channels),
                hint,
                channels,
                channels);
    }

    /** Depthwise weights {@code w} with 1 added to each channel's centre tap: conv(x) + x as one conv. */
    public static float[] plusIdentity(Conv2d conv, float[] w) {
        int k = conv.kernel, centre = (k / 2) * k + k / 2;
        float[] folded = w.clone();
        for (int c = 0; c < conv.out; c++) folded[c * k * k + centre] += 1f;
        return folded;
    }

    /** {@code conv(x) + x} (see {@link #convPlusInput(OnnxGraph, Conv2d, String, float[], float[], String)}) with the conv's own weights. */
    public static String convPlusInput(OnnxGraph g, Conv2d conv, String x) {
        float[][] wb = weights(conv, null);
        return convPlusInput(g, conv, x, wb[0], wb[1], g.scopeOf(conv) + "_skip_folded");
    }

    /** {@code conv}'s node with replacement (folded) weight and bias arrays. */
    public static String conv(OnnxGraph g, Conv2d conv, String x, float[] w, float[] b, String hint) {
        String wn = g.initializer(hint + ".weight", w, conv.weight().shape().getShape());
        return LayerForms.convNode(g, conv, x, wn, g.initializer(hint + ".bias", b, conv.out), conv.groups);
    }

    /**
     * {@code conv}'s node with weights for {@code in} → {@code out} channels (padded ones, see
     * {@link #nchwcChannels}); a depthwise conv stays depthwise over the {@code out} channels.
     */
    public static String conv(OnnxGraph g, Conv2d conv, String x, float[] w, float[] b, String hint, int in, int out) {
        boolean depthwise = conv.isDepthwise();
        if (!depthwise && conv.groups != 1)
            throw new IllegalArgumentException("only dense or depthwise convs are padded");
        if (depthwise && in != out)
            throw new IllegalArgumentException("a depthwise conv keeps its channel count, got " + in + " → " + out);
        long perOut = depthwise ? 1 : in;
        String wn = g.initializer(hint + ".weight", w, out, perOut, conv.kernel, conv.kernel);
        return LayerForms.convNode(g, conv, x, wn, g.initializer(hint + ".bias", b, out), depthwise ? out : 1);
    }

    /** A 1×1 Conv (out×in weights, row-major) on a B×in×H×W map: a Linear applied at every position. */
    public static String pointwise(OnnxGraph g, String scope, String x, float[] w, float[] b, int out, int in) {
        String wn = g.initializer(scope + ".weight_1x1", w, out, in, 1, 1);
        return g.add(
                OnnxOp.CONV,
                scope + "/pointwise",
                List.of(x, wn, g.initializer(scope + ".bias_1x1", b, out)),
                OnnxAttr.ints("kernel_shape", 1, 1));
    }

    /**
     * Channel count rounded up to ORT's NCHWc block (16 floats = one AVX-512 register): ORT runs a
     * conv in its fast blocked layout only when its channels fit the blocks (CMT-Ti's 662-channel
     * depthwise IRFFN conv ran 8× faster padded to 672; docs/performance.md).
     */
    public static int nchwcChannels(int channels) {
        return (channels + 15) / 16 * 16;
    }

    /**
     * Channels for a residual stream kept as a map in a deploy graph: ORT blocks a map into NCHWc
     * (padding the channels to whole blocks itself) only when its channel count is a multiple of 4;
     * other counts (CMT-Ti's 46) are zero-padded to whole blocks in the graph instead, or the
     * stage's convs run unblocked and its residual Adds unfused.
     */
    public static int streamChannels(int channels) {
        return channels % 4 == 0 ? channels : nchwcChannels(channels);
    }

    /** {@code x} with zero channels appended along {@code axis} up to {@code channels} (a Pad node; x itself when it has them). */
    public static String padChannels(OnnxGraph g, String scope, String x, int axis, long channels) {
        long[] s = g.shape(x);
        if (s[axis] == channels) return x;
        long[] pads = new long[2 * s.length];
        pads[s.length + axis] = channels - s[axis];
        return g.add(OnnxOp.PAD, scope + "/pad_channels", List.of(x, g.ints(pads)));
    }

    /** B×N×P tokens → their first {@code channels} channels (a Split; the tokens themselves when P = channels). */
    public static String unpadTokens(OnnxGraph g, String scope, String tokens, long channels) {
        long p = g.shape(tokens)[2];
        if (p == channels) return tokens;
        return g.split(tokens, scope + "/unpad_channels", 2, channels, p - channels)[0];
    }

    /** {@code v} (out × per row-major, e.g. conv weights or a bias with per = 1) padded with zero rows to {@code newOut}. */
    public static float[] padOutputs(float[] v, int out, int newOut) {
        return Arrays.copyOf(v, v.length / out * newOut);
    }

    /** Conv weights out×in×k×k with zero input channels appended up to {@code newIn}. */
    public static float[] padInputs(float[] w, int out, int in, int newIn) {
        int taps = w.length / (out * in);
        float[] padded = new float[out * newIn * taps];
        for (int o = 0; o < out; o++) System.arraycopy(w, o * in * taps, padded, o * newIn * taps, in * taps);
        return padded;
    }

    /**
     * y = x·Wᵀ + b for an out×in row-major {@code w}: Gemm for a 2-D input, otherwise MatMul with
     * the transposed weight plus Add (kept unfused, see below). {@code b} may be null.
     */
    public static String linear(OnnxGraph g, String scope, String x, float[] w, float[] b, int out, int in) {
        if (g.shape(x).length == 2) {
            String wn = g.initializer(scope + ".weight", w, out, in);
            List<String> inputs = b == null ? List.of(x, wn) : List.of(x, wn, g.initializer(scope + ".bias", b, out));
            return g.add(OnnxOp.GEMM, scope, inputs, OnnxAttr.i("transB", 1));
        }
        float[] wt = new float[w.length];
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) wt[i * out + o] = w[o * in + i];
        }
        String y = g.add(OnnxOp.MATMUL, scope + "/matmul", List.of(x, g.initializer(scope + ".weight_t", wt, in, out)));
        if (b == null) return y;
        // The bias with the input's rank (1×…×1×out): ORT then keeps the Add apart from the MatMul
        // instead of fusing both into a Gemm, whose bias broadcast is a single-threaded copy of the
        // whole output; a parallel Add is cheaper (docs/performance.md).
        long[] biasShape = new long[g.shape(x).length];
        Arrays.fill(biasShape, 1);
        biasShape[biasShape.length - 1] = out;
        return g.add(OnnxOp.ADD, scope, List.of(y, g.initializer(scope + ".bias", b, biasShape)));
    }

    /**
     * {weight (out×in/groups×k×k, row-major), bias (null without one)} of {@code conv} as host
     * arrays, with a preceding per-channel affine folded in (null for none): per input channel for
     * a dense conv, per channel for a depthwise one. Exact only if the conv does not pad (a padded
     * border would see t·0 instead of 0), so a padding conv refuses an affine.
     */
    public static float[][] weights(Conv2d conv, double[][] preAffine) {
        float[] w = conv.weight().value().toFloatArray();
        float[] b = conv.bias() == null ? null : conv.bias().value().toFloatArray();
        if (preAffine == null) return new float[][] {w, b};
        if (conv.padding != 0) {
            throw new IllegalArgumentException("a " + conv.kernel + "×" + conv.kernel + " conv with padding "
                    + conv.padding + " cannot absorb a preceding affine exactly");
        }
        if (conv.isDepthwise()) return BatchNormFold.foldBeforeDepthwise(w, b, conv.out, preAffine);
        if (conv.groups != 1) {
            throw new IllegalArgumentException(
                    "a preceding affine folds into dense or depthwise convs, not " + conv.groups + " groups");
        }
        return BatchNormFold.foldBefore(w, b, conv.out, preAffine);
    }

    /**
     * {weight (out×in, row-major), bias (null without one)} of {@code l} as host arrays: a
     * preceding per-channel affine folded in first (null for none), then the output scale.
     */
    public static float[][] weights(Linear l, double scale, double[][] preAffine) {
        float[] w = l.weight().value().toFloatArray();
        float[] b = l.bias() == null ? null : l.bias().value().toFloatArray();
        if (preAffine != null) {
            float[][] folded = BatchNormFold.foldBefore(w, b, l.out, preAffine);
            w = folded[0];
            b = folded[1];
        }
        if (scale != 1.0) {
            for (int i = 0; i < w.length; i++) w[i] = (float) (w[i] * scale);
            if (b != null) for (int o = 0; o < l.out; o++) b[o] = (float) (b[o] * scale);
        }
        return new float[][] {w, b};
    }
}
