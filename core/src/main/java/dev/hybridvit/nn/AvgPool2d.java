package dev.hybridvit.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.pooling.Pool;
import dev.hybridvit.deploy.onnx.OnnxAttr;
import dev.hybridvit.deploy.onnx.OnnxGraph;
import dev.hybridvit.deploy.onnx.OnnxOp;

import java.util.List;

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

    /** AveragePool with {@code ceil_mode=1, count_include_pad=0}: the same partial-window rule. */
    @Override
    public String toOnnx(OnnxGraph g, String x) {
        return g.add(OnnxOp.AVERAGE_POOL, g.scopeOf(this), List.of(x), OnnxAttr.ints("kernel_shape", kernel, kernel),
                OnnxAttr.ints("strides", stride, stride), OnnxAttr.ints("pads", 0, 0, 0, 0),
                OnnxAttr.i("ceil_mode", 1), OnnxAttr.i("count_include_pad", 0));
    }

    /** ONNX form of {@link #global}: GlobalAveragePool → Flatten. */
    public static String global(OnnxGraph g, String hint, String x) {
        return g.add(OnnxOp.FLATTEN, hint, List.of(g.add(OnnxOp.GLOBAL_AVERAGE_POOL, hint + "/gap", List.of(x))), OnnxAttr.i("axis", 1));
    }

    /** Global average pool: N×C×H×W → N×C ({@code AdaptiveAvgPool2d(1)} + flatten). */
    public static NDArray global(NDArray x) {
        var s = x.getShape();
        return x.reshape(s.get(0), s.get(1), -1).mean(new int[] {2});
    }
}
