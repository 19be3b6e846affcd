package dev.hybridvit.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Stochastic depth: in training, zeroes a residual branch for a random subset of samples and
 * rescales the rest by 1/keep; identity in eval mode or at rate 0.
 */
public final class DropPath extends Module {
    public final double rate;

    public DropPath(double rate) {
        if (rate < 0 || rate >= 1) throw new IllegalArgumentException("drop-path rate must be in [0,1), got " + rate);
        this.rate = rate;
    }

    @Override
    public NDArray forward(NDArray x) {
        if (!isTraining() || rate == 0) return x;
        double keep = 1 - rate;
        long[] maskShape = new long[x.getShape().dimension()];
        java.util.Arrays.fill(maskShape, 1);
        maskShape[0] = x.getShape().get(0);
        NDArray mask = x.getManager().randomUniform(0f, 1f, new Shape(maskShape)).add(keep).floor().div(keep);
        return x.mul(mask);
    }

}
