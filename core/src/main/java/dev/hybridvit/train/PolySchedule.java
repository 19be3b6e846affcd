package dev.hybridvit.train;

/**
 * mmseg's iteration-based {@code poly} policy with linear warm-up (mmcv's
 * {@code PolyLrUpdaterHook}): lr(i) = (base − min)·(1 − i/maxIters)^power + min, and during the
 * first {@code warmupIters} iterations that value times 1 − (1 − i/warmupIters)·(1 − warmupRatio).
 */
public record PolySchedule(
        double baseLr, double minLr, double power, long maxIters, long warmupIters, double warmupRatio) {
    /** mmseg's warm-up ratio: the first iteration's learning rate over the regular one. */
    public static final double WARMUP_RATIO = 1e-6;

    public PolySchedule {
        if (maxIters < 1) throw new IllegalArgumentException("iterations must be at least 1, got " + maxIters);
        if (warmupIters < 0 || warmupIters > maxIters)
            throw new IllegalArgumentException("warm-up iterations must be in 0.." + maxIters + ", got " + warmupIters);
    }

    /** mmseg's defaults for a run of {@code maxIters}: power 1.0, min lr 0, warm-up ratio 1e-6. */
    public static PolySchedule of(double baseLr, long maxIters, long warmupIters) {
        return new PolySchedule(baseLr, 0, 1.0, maxIters, warmupIters, WARMUP_RATIO);
    }

    /** The learning rate of iteration {@code iter} (0-based). */
    public double at(long iter) {
        double progress = Math.min(1, (double) iter / maxIters);
        double lr = (baseLr - minLr) * Math.pow(1 - progress, power) + minLr;
        if (iter >= warmupIters) return lr;
        double k = (1 - (double) iter / warmupIters) * (1 - warmupRatio);
        return lr * (1 - k);
    }
}
