package dev.hybridvit.models.cmt;

import ai.djl.ndarray.NDArray;
import dev.hybridvit.nn.Activation;
import dev.hybridvit.nn.BatchNorm;
import dev.hybridvit.nn.Conv2d;
import dev.hybridvit.nn.Init;
import dev.hybridvit.nn.Module;
import dev.hybridvit.nn.Reparameterizable;
import dev.hybridvit.nn.Sequential;

/**
 * IRFFN (inverted residual feed-forward network, CMT §3.2): 1×1 expansion conv → GELU → BN
 * ({@code conv1.0/.1/.2}), a 3×3 depthwise conv with its own skip ({@code proj}), GELU → BN
 * ({@code proj_act}, {@code proj_bn}), 1×1 projection conv → BN ({@code conv2.0/.1}). Note the BN
 * <em>after</em> each GELU, as in the official code. Its dropout is 0 in every CMT and omitted.
 */
public final class InvertedResidualFFN extends Module implements Reparameterizable {
    /** 1×1 expansion conv → GELU → BN. */
    public final Sequential conv1;
    /** The 3×3 depthwise conv, applied with its own skip. */
    public final Conv2d proj;

    public final Activation projAct;
    public final BatchNorm projBn;
    /** 1×1 projection conv → BN. */
    public final Sequential conv2;

    InvertedResidualFFN(int dim, int hidden) {
        conv1 = register(
                "conv1",
                new Sequential(
                        new Conv2d(dim, hidden, 1, 1, 0, 1, true, Init.kaimingNormalFanOut()),
                        Activation.gelu(),
                        new BatchNorm(hidden)));
        proj = register("proj", new Conv2d(hidden, hidden, 3, 1, 1, hidden, true, Init.kaimingNormalFanOut()));
        projAct = register("proj_act", Activation.gelu());
        projBn = register("proj_bn", new BatchNorm(hidden));
        conv2 = register(
                "conv2",
                new Sequential(
                        new Conv2d(hidden, dim, 1, 1, 0, 1, true, Init.kaimingNormalFanOut()), new BatchNorm(dim)));
    }

    /** B×C×H×W → B×C×H×W. */
    @Override
    public NDArray forward(NDArray x) {
        NDArray y = conv1.forward(x);
        y = proj.forward(y).add(y);
        y = projBn.forward(projAct.forward(y));
        return conv2.forward(y);
    }

    /**
     * The deploy form: {@code proj_bn} folded into the projection conv after it (exact: a 1×1
     * conv has no padding); {@code conv2}'s own BN is folded by its Sequential. The BN after the
     * first GELU stays: the 3×3 conv it feeds zero-pads, so no exact fold exists.
     */
    @Override
    public void reparameterize() {
        projBn.foldIntoNext(conv2.get(0));
    }
}
