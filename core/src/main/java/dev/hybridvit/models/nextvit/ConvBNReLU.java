package dev.hybridvit.models.nextvit;

import ai.djl.ndarray.NDArray;
import dev.hybridvit.nn.Activation;
import dev.hybridvit.nn.BatchNorm;
import dev.hybridvit.nn.Conv2d;
import dev.hybridvit.nn.Module;
import dev.hybridvit.nn.Reparameterizable;

/** Stem unit: 3×3 conv (padding 1, no bias) → BN → ReLU; keys {@code conv}, {@code norm}. */
public final class ConvBNReLU extends Module implements Reparameterizable {
    public final Conv2d conv;
    public final BatchNorm norm;
    public final Activation act;

    ConvBNReLU(int in, int out, int stride, NextViTConfig.ConvInit init) {
        conv = register("conv", new Conv2d(in, out, 3, stride, 1, 1, false, init.of(1)));
        norm = register("norm", new BatchNorm(out));
        act = register("act", Activation.relu());
    }

    @Override
    public NDArray forward(NDArray x) {
        return act.forward(norm.forward(conv.forward(x)));
    }

    @Override
    public void reparameterize() {
        norm.foldInto(conv);
    }
}
