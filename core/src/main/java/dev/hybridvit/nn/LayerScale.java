package dev.hybridvit.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Per-channel learnable scale of a residual branch on B×C×H×W maps (CaiT's LayerScale, timm's
 * {@code LayerScale2d}), key {@code gamma}. Started small, it lets a deep stack begin near the
 * identity, as ConvNeXt (1e-6) and PoolFormer (1e-5) do.
 */
public final class LayerScale extends Module {
    public final int channels;
    private final Parameter gamma;

    public LayerScale(int channels, double initValue) {
        this.channels = channels;
        this.gamma = parameter("gamma", new Shape(channels), (m, s, t) -> m.full(s, (float) initValue, t));
    }

    public Parameter gamma() {
        return gamma;
    }

    @Override
    public NDArray forward(NDArray x) {
        return x.mul(gamma.value().reshape(channels, 1, 1));
    }
}
