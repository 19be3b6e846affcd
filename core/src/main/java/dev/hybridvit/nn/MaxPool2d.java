package dev.hybridvit.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.pooling.Pool;

/**
 * Max pooling ({@code nn.MaxPool2d(kernel, stride, padding)}, floor mode): padded positions never
 * win, as in PyTorch. With kernel 3, stride 2, padding 1 (the ResNet stem) an H×W map becomes
 * ⌈H/2⌉×⌈W/2⌉. No parameters.
 */
public final class MaxPool2d extends Module {
    public final int kernel, stride, padding;

    public MaxPool2d(int kernel, int stride, int padding) {
        if (kernel < 1 || stride < 1 || padding < 0 || 2 * padding > kernel) {
            throw new IllegalArgumentException(
                    "bad max pool: kernel " + kernel + ", stride " + stride + ", padding " + padding);
        }
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
    }

    @Override
    public NDArray forward(NDArray x) {
        return Pool.maxPool2d(
                x, new Shape(kernel, kernel), new Shape(stride, stride), new Shape(padding, padding), false);
    }
}
