package dev.hybridvit.tensor;

import java.util.Arrays;

/**
 * The project's one NaN/Inf policy for model inputs, the same for every command and runtime
 * (libtorch and ONNX Runtime): an input holding NaN or ±Inf is refused, naming the first such
 * position, because one non-finite value silently poisons every logit of its image. Callers that
 * want such inputs through (the CLI's {@code run --allow-non-finite}) skip the check explicitly.
 */
public final class Finite {
    private Finite() {}

    /**
     * Throws an {@link IllegalArgumentException} naming {@code what} and the index of the first
     * non-finite value of {@code data}, a row-major array of {@code shape}.
     */
    public static void require(float[] data, long[] shape, String what) {
        for (int i = 0; i < data.length; i++) {
            if (!Float.isFinite(data[i])) {
                throw new IllegalArgumentException(
                        what + " contains " + data[i] + " at " + Arrays.toString(index(i, shape))
                                + " (expected finite values; NaN and infinite inputs are refused)");
            }
        }
    }

    /** The multi-index of flat position {@code flat} in a row-major array of {@code shape}. */
    private static long[] index(long flat, long[] shape) {
        long[] idx = new long[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            long n = Math.max(1, shape[d]);
            idx[d] = flat % n;
            flat /= n;
        }
        return idx;
    }
}
