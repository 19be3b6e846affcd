package dev.hybridvit.nn;

import ai.djl.ndarray.NDArray;

/**
 * The convolutional MLP of Next-ViT blocks: 1×1 conv → activation → 1×1 conv, both with bias,
 * keys {@code conv1}, {@code conv2} (dropout is 0 in every released model and omitted).
 */
public final class ConvMlp extends Module {
    public final Conv2d conv1, conv2;
    public final Activation act;

    public ConvMlp(int channels, int hidden, Activation.Kind act, Init convInit) {
        this.conv1 = register("conv1", Conv2d.pointwise(channels, hidden, true, convInit));
        this.act = new Activation(act);
        this.conv2 = register("conv2", Conv2d.pointwise(hidden, channels, true, convInit));
    }

    @Override
    public NDArray forward(NDArray x) {
        return conv2.forward(act.forward(conv1.forward(x)));
    }
}
