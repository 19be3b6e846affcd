package dev.hybridvit.profile;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The timing loop shared by the benchmark, the block profiler and the density study: untimed
 * warm-up runs, then wall-clock milliseconds of each timed run; plus the statistics and the
 * fixed pseudo-random inputs they report on.
 */
public final class Timing {
    private Timing() {}

    /** Warm-up lasts at least this long (when any is asked for). */
    public static final long MIN_WARMUP_NANOS = 1_000_000_000L;

    /**
     * Milliseconds of each of {@code runs} calls of {@code step}, after {@code warmup} untimed calls
     * (and at least {@link #MIN_WARMUP_NANOS} of them when {@code warmup} &gt; 0), sorted ascending.
     */
    public static double[] time(int warmup, int runs, Runnable step) {
        if (runs < 1) throw new IllegalArgumentException("runs must be at least 1, got " + runs);
        // at least `warmup` runs and at least MIN_WARMUP_NANOS: eager libtorch settles only after tens of runs on small
        // models
        long warmStart = System.nanoTime();
        for (int i = 0; i < warmup || (warmup > 0 && System.nanoTime() - warmStart < MIN_WARMUP_NANOS); i++) step.run();
        double[] ms = new double[runs];
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            step.run();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(ms);
        return ms;
    }

    /** Linear-interpolated quantile {@code q} of ascending {@code sorted}. */
    public static double percentile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos), hi = (int) Math.ceil(pos);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }

    public static double median(double[] sorted) {
        return percentile(sorted, 0.5);
    }

    /** {@code n} values uniform in [-2, 2), the same for every call (seeded). */
    public static float[] randomInput(long n) {
        SplittableRandom rnd = new SplittableRandom(42);
        float[] x = new float[Math.toIntExact(n)];
        for (int i = 0; i < x.length; i++) x[i] = (float) (rnd.nextDouble() * 4 - 2);
        return x;
    }
}
