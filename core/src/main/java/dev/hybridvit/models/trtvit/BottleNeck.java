package dev.hybridvit.models.trtvit;

import ai.djl.ndarray.NDArray;
import dev.hybridvit.nn.Activation;
import dev.hybridvit.nn.BatchNorm;
import dev.hybridvit.nn.Conv2d;
import dev.hybridvit.nn.DropPath;
import dev.hybridvit.nn.Init;
import dev.hybridvit.nn.Module;
import dev.hybridvit.nn.Reparameterizable;
import dev.hybridvit.nn.Sequential;

/**
 * The ResNet BottleNeck (the "C" of a TRT-ViT stage pattern):
 * {@code ReLU(shortcut(x) + DropPath(BN(conv3(ReLU(BN(conv2(ReLU(BN(conv1(x))))))))))}.
 *
 * <p><b>Facts</b> (TRT-ViT paper, §3): BN + ReLU, 1×1 → 3×3 → 1×1, identity shortcut or a 1×1 conv
 * + BN projection when the shape changes, ReLU after the sum. <b>Reconstruction</b>: torchvision's
 * ResNet v1.5 details — inner width = out / {@value TRTViTConfig#EXPANSION} (ResNet-50's
 * expansion 4), the stride on the 3×3 conv, a strided 1×1 projection shortcut, convs without
 * bias, kaiming-normal (fan-out) conv init, BN γ = 1 (not zero-initialised).
 *
 * <p>Keys follow torchvision ({@code conv1 bn1 conv2 bn2 conv3 bn3 downsample.0 downsample.1}), so
 * a ResNet-50 layer maps onto a {@code C} stage key for key.
 */
public final class BottleNeck extends Module implements Reparameterizable {
    public final Conv2d conv1, conv2, conv3;
    public final BatchNorm bn1, bn2, bn3;
    public final Activation act;
    /** Projection shortcut (1×1 conv → BN); null for the identity. */
    public final Sequential downsample;

    public final DropPath dropPath;
    public final int in, out, stride;

    /**
     * @param in       input channels
     * @param out      output channels (a multiple of 4)
     * @param stride   1 or 2 (on the 3×3 conv and the projection shortcut)
     * @param dropPath stochastic-depth rate of the residual branch
     */
    public BottleNeck(int in, int out, int stride, double dropPath) {
        if (out % TRTViTConfig.EXPANSION != 0) {
            throw new IllegalArgumentException(
                    "BottleNeck output width must be a multiple of " + TRTViTConfig.EXPANSION + ", got " + out);
        }
        this.in = in;
        this.out = out;
        this.stride = stride;
        int mid = out / TRTViTConfig.EXPANSION;
        Init init = Init.kaimingNormalFanOut(1);
        conv1 = register("conv1", new Conv2d(in, mid, 1, 1, 0, 1, false, init));
        bn1 = register("bn1", new BatchNorm(mid));
        conv2 = register("conv2", new Conv2d(mid, mid, 3, stride, 1, 1, false, init));
        bn2 = register("bn2", new BatchNorm(mid));
        conv3 = register("conv3", new Conv2d(mid, out, 1, 1, 0, 1, false, init));
        bn3 = register("bn3", new BatchNorm(out));
        act = register("relu", Activation.relu());
        downsample = in != out || stride != 1
                ? register(
                        "downsample",
                        new Sequential(new Conv2d(in, out, 1, stride, 0, 1, false, init), new BatchNorm(out)))
                : null;
        this.dropPath = register("drop_path", new DropPath(dropPath));
    }

    @Override
    public NDArray forward(NDArray x) {
        NDArray y = act.forward(bn1.forward(conv1.forward(x)));
        y = act.forward(bn2.forward(conv2.forward(y)));
        y = dropPath.forward(bn3.forward(conv3.forward(y)));
        NDArray shortcut = downsample == null ? x : downsample.forward(x);
        return act.forward(y.add(shortcut));
    }

    @Override
    public void reparameterize() {
        bn1.foldInto(conv1);
        bn2.foldInto(conv2);
        bn3.foldInto(conv3);
    }
}
