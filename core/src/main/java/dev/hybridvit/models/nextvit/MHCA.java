package dev.hybridvit.models.nextvit;

import ai.djl.ndarray.NDArray;
import dev.hybridvit.nn.Activation;
import dev.hybridvit.nn.BatchNorm;
import dev.hybridvit.nn.Conv2d;
import dev.hybridvit.nn.Module;
import dev.hybridvit.nn.Reparameterizable;

/**
 * Multi-Head Convolutional Attention: a 3×3 group conv with one 32-channel group per head → BN →
 * ReLU → 1×1 projection (norm and activation as the variant says).
 */
public final class MHCA extends Module implements Reparameterizable {
    public final Conv2d groupConv;
    /** BatchNorm (official) or a channels-first LayerNorm. */
    public final Module norm;

    public final Activation act;
    public final Conv2d projection;

    MHCA(int channels, NextViTConfig config) {
        NextViTConfig.ConvInit init = config.convInit();
        int groups = channels / NextViTConfig.HEAD_DIM;
        groupConv = register("group_conv3x3", new Conv2d(channels, channels, 3, 1, 1, groups, false, init.of(groups)));
        norm = register("norm", config.norm().of(channels));
        act = register("act", new Activation(config.activation()));
        projection = register("projection", Conv2d.pointwise(channels, channels, false, init.of(1)));
    }

    @Override
    public NDArray forward(NDArray x) {
        return projection.forward(act.forward(norm.forward(groupConv.forward(x))));
    }

    @Override
    public void reparameterize() {
        if (norm instanceof BatchNorm bn) bn.foldInto(groupConv);
    }
}
