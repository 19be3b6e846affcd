package dev.hybridvit.models.segmentation;

import ai.djl.ndarray.NDArray;
import dev.hybridvit.nn.Activation;
import dev.hybridvit.nn.BatchNorm;
import dev.hybridvit.nn.Conv2d;
import dev.hybridvit.nn.Init;
import dev.hybridvit.nn.Module;
import dev.hybridvit.nn.Reparameterizable;

/**
 * mmcv's {@code ConvModule}: conv, then optionally BN and ReLU, under the keys {@code conv} and
 * {@code bn}. The conv has a bias exactly when there is no norm ({@code bias='auto'}).
 */
public final class ConvModule extends Module implements Reparameterizable {
    public final Conv2d conv;
    /** Null without a norm. */
    public final BatchNorm bn;
    /** Null without an activation. */
    public final Activation act;

    public ConvModule(int in, int out, int kernel, boolean normAndRelu) {
        conv = register(
                "conv", new Conv2d(in, out, kernel, 1, kernel / 2, 1, !normAndRelu, Init.kaimingNormalFanOut()));
        bn = normAndRelu ? register("bn", new BatchNorm(out)) : null;
        act = normAndRelu ? register("activate", Activation.relu()) : null;
    }

    @Override
    public NDArray forward(NDArray x) {
        x = conv.forward(x);
        if (bn != null) x = bn.forward(x);
        return act == null ? x : act.forward(x);
    }

    @Override
    public void reparameterize() {
        if (bn != null) bn.foldInto(conv);
    }
}
