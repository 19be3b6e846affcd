package dev.hybridvit.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** Fully connected layer ({@code nn.Linear}) over the last axis; weight is out×in. */
public final class Linear extends Module {
    public final int in, out;
    private final Parameter weight;
    private final Parameter bias;

    public Linear(int in, int out, boolean bias) {
        this.in = in;
        this.out = out;
        this.weight = parameter("weight", new Shape(out, in), Init.TRUNC_NORMAL_02);
        this.bias = bias ? parameter("bias", new Shape(out), Init.ZEROS) : null;
    }

    public Parameter weight() {
        return weight;
    }

    public Parameter bias() {
        return bias;
    }

    @Override
    public NDArray forward(NDArray x) {
        NDArray y = ai.djl.nn.core.Linear.linear(x, weight.value(), bias == null ? null : bias.value())
                .singletonOrThrow();
        MacCounter.add(y.getShape().size() * in);
        return y;
    }
}
