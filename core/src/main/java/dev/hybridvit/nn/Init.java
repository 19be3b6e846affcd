package dev.hybridvit.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/** How a parameter or buffer is filled when a model is first materialised. */
@FunctionalInterface
public interface Init {
    NDArray create(NDManager manager, Shape shape, DataType dtype);

    Init ZEROS = (m, s, t) -> m.zeros(s, t);
    Init ONES = (m, s, t) -> m.ones(s, t);

    /**
     * timm's {@code trunc_normal_(std=.02)} with its absolute bounds [-2, 2]: at std .02 the
     * truncation never triggers, so this is N(0, .02²) as in the official Next-ViT/CMT code.
     */
    Init TRUNC_NORMAL_02 = normal(0.02);

    static Init normal(double std) {
        return (m, s, t) -> m.randomNormal(0f, (float) std, s, t);
    }

    /**
     * PyTorch's {@code nn.init.kaiming_normal_(w, mode='fan_out')} with its default gain √2:
     * N(0, 2 / fan_out) with fan_out = {@code size(0)} · kh · kw — as
     * {@code torch.nn.init._calculate_fan_in_and_fan_out} computes it, <em>without</em> dividing by
     * the groups of a grouped or depthwise convolution (a depthwise C×1×3×3 kernel has fan_out 9C).
     * This is the CMT convolution init.
     */
    static Init kaimingNormalFanOut() {
        return kaimingNormalFanOut(1);
    }

    /**
     * The hand-written variant some official codes use instead of the library call:
     * {@code fan_out = kh·kw·out_channels; fan_out //= groups; normal_(0, sqrt(2 / fan_out))}
     * (integer division, as in Python). With {@code groups = 1} it equals {@link #kaimingNormalFanOut()}.
     */
    static Init kaimingNormalFanOut(int groups) {
        if (groups < 1) throw new IllegalArgumentException("groups must be at least 1, got " + groups);
        return (m, s, t) -> {
            long receptive = 1;
            for (int i = 2; i < s.dimension(); i++) receptive *= s.get(i);
            long fanOut = s.get(0) * receptive / groups;
            return m.randomNormal(0f, (float) Math.sqrt(2.0 / fanOut), s, t);
        };
    }
}
