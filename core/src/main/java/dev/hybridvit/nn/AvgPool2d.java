package dev.hybridvit.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.pooling.Pool;

/**
 * Average pooling with PyTorch's {@code ceil_mode=True, count_include_pad=False}: an odd input
 * keeps a partial last window, and windows over the border or the zero padding are averaged over
 * their valid elements only.
 */
public final class AvgPool2d extends Module {
    public final int kernel, stride, padding;

    public AvgPool2d(int kernel, int stride) {
        this(kernel, stride, 0);
    }

    public AvgPool2d(int kernel, int stride, int padding) {
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
    }

    @Override
    public NDArray forward(NDArray x) {
        NDArray sum = pool(x);
        if (padding == 0) return sum;
        // libtorch through DJL counts the zero padding whatever the flag says; dividing by the
        // pooled ones gives the average over the valid pixels under either reading.
        Shape s = x.getShape();
        try (NDArray ones = x.getManager().ones(new Shape(1, 1, s.get(2), s.get(3)), x.getDataType())) {
            return sum.div(pool(ones));
        }
    }

    private NDArray pool(NDArray x) {
        return Pool.avgPool2d(
                x, new Shape(kernel, kernel), new Shape(stride, stride), new Shape(padding, padding), true, false);
    }

    /** Global average pool: N×C×H×W → N×C ({@code AdaptiveAvgPool2d(1)} + flatten). */
    public static NDArray global(NDArray x) {
        var s = x.getShape();
        return x.reshape(s.get(0), s.get(1), -1).mean(new int[] {2});
    }
}
