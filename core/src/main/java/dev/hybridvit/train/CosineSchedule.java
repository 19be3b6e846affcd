package dev.hybridvit.train;

/**
 * Learning rate with linear warm-up from {@code warmupLr} to {@code baseLr}, then cosine decay to
 * {@code minLr} (timm's cosine scheduler, stepped per iteration).
 */
public record CosineSchedule(double baseLr, double minLr, double warmupLr, long warmupSteps, long totalSteps) {
    public double at(long step) {
        if (step < warmupSteps) return warmupLr + (baseLr - warmupLr) * step / Math.max(1, warmupSteps);
        double t = (double) (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
        return minLr + 0.5 * (baseLr - minLr) * (1 + Math.cos(Math.PI * Math.min(1, t)));
    }
}
