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
        NDArray mask = x.getManager()
                .randomUniform(0f, 1f, new Shape(maskShape))
                .add(keep)
                .floor()
                .div(keep);
        return x.mul(mask);
    }

    /**
     * Stochastic-depth rates of {@code blocks} blocks, rising linearly from 0 to {@code rate}:
     * {@code torch.linspace(0, rate, blocks)}, evaluated in float32 as the official code does.
     */
    public static double[] linearSchedule(double rate, int blocks) {
        double[] out = new double[blocks];
        for (int i = 0; i < blocks; i++) out[i] = blocks == 1 ? 0 : (float) (rate * i / (blocks - 1));
        return out;
    }
}
