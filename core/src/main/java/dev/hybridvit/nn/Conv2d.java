package dev.hybridvit.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.hybridvit.deploy.onnx.OnnxAttr;
import dev.hybridvit.deploy.onnx.OnnxGraph;
import dev.hybridvit.deploy.onnx.OnnxOp;

import java.util.List;

/** 2-D convolution ({@code nn.Conv2d}): square kernel, stride, zero padding, groups, optional bias. */
public final class Conv2d extends Module {
    public final int in, out, kernel, stride, padding, groups;
    private final Parameter weight;
    private final Parameter bias;

    public Conv2d(int in, int out, int kernel, int stride, int padding, int groups, boolean bias, Init init) {
        if (in % groups != 0 || out % groups != 0) {
            throw new IllegalArgumentException("channels " + in + "->" + out + " not divisible by groups " + groups);
        }
        this.in = in; this.out = out; this.kernel = kernel; this.stride = stride; this.padding = padding; this.groups = groups;
        this.weight = parameter("weight", new Shape(out, in / groups, kernel, kernel), init);
        this.bias = bias ? parameter("bias", new Shape(out), Init.ZEROS) : null;
    }

    /** A 1×1 convolution (stride 1, no padding, one group). */
    public static Conv2d pointwise(int in, int out, boolean bias, Init init) {
        return new Conv2d(in, out, 1, 1, 0, 1, bias, init);
    }

    public Parameter weight() { return weight; }
    public Parameter bias() { return bias; }

    /** One filter per channel (groups = channels). */
    public boolean isDepthwise() {
        return groups > 1 && groups == in && in == out;
    }

    /**
     * {weight (out×in/groups×k×k, row-major), bias (null without one)} as host arrays for an ONNX
     * form, with a preceding per-channel affine folded in (null for none): per input channel for a
     * dense conv, per channel for a depthwise one. Exact only if the conv does not pad (a padded
     * border would see t·0 instead of 0), so a padding conv refuses an affine.
     */
    public float[][] hostWeights(double[][] preAffine) {
        float[] w = weight.value().toFloatArray();
        float[] b = bias == null ? null : bias.value().toFloatArray();
        if (preAffine == null) return new float[][] {w, b};
        if (padding != 0) {
            throw new IllegalArgumentException("a " + kernel + "×" + kernel + " conv with padding " + padding
                    + " cannot absorb a preceding affine exactly");
        }
        if (isDepthwise()) return BatchNormFold.foldBeforeDepthwise(w, b, out, preAffine);
        if (groups != 1) throw new IllegalArgumentException("a preceding affine folds into dense or depthwise convs, not " + groups + " groups");
        return BatchNormFold.foldBefore(w, b, out, preAffine);
    }

    @Override
    public NDArray forward(NDArray x) {
        if (x.getShape().dimension() != 4 || x.getShape().get(1) != in) {
            throw new IllegalArgumentException("Conv2d expects N×" + in + "×H×W, got " + x.getShape());
        }
        NDArray y = ai.djl.nn.convolutional.Conv2d.conv2d(x, weight.value(), bias == null ? null : bias.value(),
                new Shape(stride, stride), new Shape(padding, padding), new Shape(1, 1), groups).singletonOrThrow();
        Shape s = y.getShape();
        MacCounter.add(s.size() * (long) (in / groups) * kernel * kernel);
        return y;
    }

    @Override
    public String toOnnx(OnnxGraph g, String x) {
        String w = OnnxForms.param(g, weight);
        return onnxNode(g, x, w, bias == null ? null : OnnxForms.param(g, bias));
    }

    /** This convolution's node with the given weight/bias initializers (used by BN folding). */
    String onnxNode(OnnxGraph g, String x, String w, String b) {
        return onnxNode(g, x, w, b, groups);
    }

    /** The node with another group count (a depthwise conv whose channels were padded). */
    String onnxNode(OnnxGraph g, String x, String w, String b, int groups) {
        List<String> inputs = b == null ? List.of(x, w) : List.of(x, w, b);
        return g.add(OnnxOp.CONV, g.scopeOf(this), inputs, OnnxAttr.ints("kernel_shape", kernel, kernel),
                OnnxAttr.ints("strides", stride, stride), OnnxAttr.ints("pads", padding, padding, padding, padding),
                OnnxAttr.ints("dilations", 1, 1), OnnxAttr.i("group", groups));
    }
}
