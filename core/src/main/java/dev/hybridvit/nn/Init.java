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

    /** {@code kaiming_normal_(mode='fan_out')} for ReLU-like gain √2: std = √(2 / (out·kh·kw / groups·groups)). */
    static Init kaimingNormalFanOut(int groups) {
        return (m, s, t) -> {
            long receptive = 1;
            for (int i = 2; i < s.dimension(); i++) receptive *= s.get(i);
            double fanOut = (double) s.get(0) * receptive / groups;
            return m.randomNormal(0f, (float) Math.sqrt(2.0 / fanOut), s, t);
        };
    }
}
