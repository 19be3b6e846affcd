package dev.hybridvit.nn;

import ai.djl.ndarray.NDArray;

/**
 * Element-wise dropout ({@code nn.Dropout(p)}): in training, zeroes each element with probability
 * p and rescales the rest by 1/(1−p); identity in eval mode or at rate 0. Has no keys.
 */
public final class Dropout extends Module {
    public final double rate;

    public Dropout(double rate) {
        if (rate < 0 || rate >= 1) throw new IllegalArgumentException("dropout rate must be in [0,1), got " + rate);
        this.rate = rate;
    }

    @Override
    public NDArray forward(NDArray x) {
        if (!isTraining() || rate == 0) return x;
        return ai.djl.nn.norm.Dropout.dropout(x, (float) rate, true).singletonOrThrow();
    }
}
