package dev.hybridvit.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.pooling.Pool;

/**
 * Average pooling with PyTorch's {@code ceil_mode=True, count_include_pad=False}: an odd input
 * keeps a partial last window, averaged over its valid elements only.
 */
public final class AvgPool2d extends Module {
    public final int kernel, stride;

    public AvgPool2d(int kernel, int stride) {
        this.kernel = kernel;
        this.stride = stride;
    }

    @Override
    public NDArray forward(NDArray x) {
        return Pool.avgPool2d(x, new Shape(kernel, kernel), new Shape(stride, stride), new Shape(0, 0), true, false);
    }

    /** Global average pool: N×C×H×W → N×C ({@code AdaptiveAvgPool2d(1)} + flatten). */
    public static NDArray global(NDArray x) {
        var s = x.getShape();
        return x.reshape(s.get(0), s.get(1), -1).mean(new int[] {2});
    }
}
