package dev.hybridvit.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;

/** Checks on freshly initialised weights. */
public final class InitAssertions {
    private InitAssertions() {}

    /** The sample standard deviation of {@code a} is within 6% of {@code expected}. */
    public static void assertStd(NDArray a, double expected) {
        float[] v = a.toFloatArray();
        double mean = 0, sq = 0;
        for (float x : v) mean += x;
        mean /= v.length;
        for (float x : v) sq += (x - mean) * (x - mean);
        double std = Math.sqrt(sq / (v.length - 1));
        assertThat(std).as("std of %s", a.getShape()).isCloseTo(expected, within(expected * 0.06));
    }
}
