package dev.hybridvit.models.nextvit;

import ai.djl.ndarray.NDArray;
import dev.hybridvit.nn.Activation;
import dev.hybridvit.nn.BatchNorm;
import dev.hybridvit.nn.Conv2d;
import dev.hybridvit.nn.Module;
import dev.hybridvit.nn.Reparameterizable;

/**
 * Multi-Head Convolutional Attention: a 3×3 group conv with one 32-channel group per head → BN →
 * ReLU → 1×1 projection.
 */
public final class MHCA extends Module implements Reparameterizable {
    public final Conv2d groupConv;
    public final BatchNorm norm;
    public final Activation act;
    public final Conv2d projection;

    MHCA(int channels, NextViTConfig.ConvInit init) {
        int groups = channels / NextViTConfig.HEAD_DIM;
        groupConv = register("group_conv3x3", new Conv2d(channels, channels, 3, 1, 1, groups, false, init.of(groups)));
        norm = register("norm", new BatchNorm(channels));
        act = register("act", Activation.relu());
        projection = register("projection", Conv2d.pointwise(channels, channels, false, init.of(1)));
    }

    @Override
    public NDArray forward(NDArray x) {
        return projection.forward(act.forward(norm.forward(groupConv.forward(x))));
    }

    @Override
    public void reparameterize() {
        norm.foldInto(groupConv);
    }
}
