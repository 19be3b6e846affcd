package dev.hybridvit.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/** 2-D convolution ({@code nn.Conv2d}): square kernel, stride, zero padding, groups, optional bias. */
public final class Conv2d extends Module {
    public final int in, out, kernel, stride, padding, groups;
    private final Parameter weight;
    private Parameter bias;

    public Conv2d(int in, int out, int kernel, int stride, int padding, int groups, boolean bias, Init init) {
        if (in % groups != 0 || out % groups != 0) {
            throw new IllegalArgumentException("channels " + in + "->" + out + " not divisible by groups " + groups);
        }
        this.in = in;
        this.out = out;
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
        this.groups = groups;
        this.weight = parameter("weight", new Shape(out, in / groups, kernel, kernel), init);
        this.bias = bias ? parameter("bias", new Shape(out), Init.ZEROS) : null;
    }

    /** A 1×1 convolution (stride 1, no padding, one group). */
    public static Conv2d pointwise(int in, int out, boolean bias, Init init) {
        return new Conv2d(in, out, 1, 1, 0, 1, bias, init);
    }

    public Parameter weight() {
        return weight;
    }

    public Parameter bias() {
        return bias;
    }

    /**
     * Replaces weight and bias by host values (out×in/groups×k×k and out, row-major), as a folded
     * norm needs. A conv built without a bias gains one as a buffer (state-dict key {@code bias}):
     * an inference-time constant, so the parameter count stays that of the model as trained.
     */
    public void setWeights(float[] w, float[] b) {
        NDManager manager = weight.value().getManager();
        if (bias == null) {
            bias = buffer("bias", new Shape(out), DataType.FLOAT32, Init.ZEROS);
            bias.materialize(manager);
        }
        try (NDArray nw = manager.create(w, weight.shape());
                NDArray nb = manager.create(b, bias.shape())) {
            weight.copyFrom(nw);
            bias.copyFrom(nb);
        }
    }

    /** One filter per channel (groups = channels). */
    public boolean isDepthwise() {
        return groups > 1 && groups == in && in == out;
    }

    @Override
    public NDArray forward(NDArray x) {
        if (x.getShape().dimension() != 4 || x.getShape().get(1) != in) {
            throw new IllegalArgumentException("Conv2d expects N×" + in + "×H×W, got " + x.getShape());
        }
        NDArray y = ai.djl.nn.convolutional.Conv2d.conv2d(
                        x,
                        weight.value(),
                        bias == null ? null : bias.value(),
                        new Shape(stride, stride),
                        new Shape(padding, padding),
                        new Shape(1, 1),
                        groups)
                .singletonOrThrow();
        Shape s = y.getShape();
        MacCounter.add(s.size() * (long) (in / groups) * kernel * kernel);
        return y;
    }
}
