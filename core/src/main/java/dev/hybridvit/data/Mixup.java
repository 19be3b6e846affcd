package dev.hybridvit.data;

import java.util.Random;

/**
 * Mixup (Zhang et al. 2018) and CutMix (Yun et al. 2019) per batch, as timm's {@code Mixup} in
 * mode {@code batch}: with probability {@code prob} the batch is mixed with itself reversed,
 * either blended with weight λ ~ Beta(α_mixup, α_mixup) or, with probability
 * {@code switchProb} when both are on, pasted with a box covering 1 − λ of the image
 * (λ ~ Beta(α_cutmix, α_cutmix), λ then corrected to the clipped box's area). Targets are
 * λ·y + (1 − λ)·y_reversed of label-smoothed one-hot vectors (on = 1 − ε + ε/K, off = ε/K),
 * so label smoothing is folded in as timm does. Mixing stops from epoch {@code offEpoch}
 * (0: never), timm's {@code --mixup-off-epoch}.
 */
public final class Mixup {
    /** A mixed batch: images (same layout as the input), soft targets N×K, and the λ used. */
    public record Mixed(float[] images, float[] targets, double lambda, boolean cutmix) {}

    private final double mixupAlpha, cutmixAlpha, prob, switchProb, smoothing;
    private final int classes, offEpoch;

    public Mixup(
            double mixupAlpha,
            double cutmixAlpha,
            double prob,
            double switchProb,
            int offEpoch,
            double smoothing,
            int classes) {
        if (mixupAlpha < 0 || cutmixAlpha < 0) throw new IllegalArgumentException("--mixup and --cutmix must be ≥ 0");
        if (prob < 0 || prob > 1 || switchProb < 0 || switchProb > 1) {
            throw new IllegalArgumentException("--mixup-prob and --mixup-switch-prob must be in [0, 1]");
        }
        this.mixupAlpha = mixupAlpha;
        this.cutmixAlpha = cutmixAlpha;
        this.prob = prob;
        this.switchProb = switchProb;
        this.offEpoch = offEpoch;
        this.smoothing = smoothing;
        this.classes = classes;
    }

    /** Whether batches of {@code epoch} (0-based) are mixed. */
    public boolean activeIn(int epoch) {
        return (mixupAlpha > 0 || cutmixAlpha > 0) && (offEpoch <= 0 || epoch < offEpoch);
    }

    /** Mixes a batch (the input arrays are not modified). */
    public Mixed apply(BatchLoader.Batch batch, Random rng) {
        int n = batch.size(), c = batch.dims()[0], h = batch.dims()[1], w = batch.dims()[2], per = c * h * w;
        double lam = 1;
        boolean cut = false;
        if (rng.nextDouble() < prob) {
            if (mixupAlpha > 0 && cutmixAlpha > 0) cut = rng.nextDouble() < switchProb;
            else cut = cutmixAlpha > 0;
            lam = beta(rng, cut ? cutmixAlpha : mixupAlpha);
        }
        float[] src = batch.images(), x = src.clone();
        if (lam < 1 && cut) {
            double ratio = Math.sqrt(1 - lam);
            int cutH = (int) (h * ratio), cutW = (int) (w * ratio);
            int cy = rng.nextInt(h), cx = rng.nextInt(w);
            int y0 = clamp(cy - cutH / 2, h),
                    y1 = clamp(cy + cutH / 2, h),
                    x0 = clamp(cx - cutW / 2, w),
                    x1 = clamp(cx + cutW / 2, w);
            for (int i = 0; i < n; i++) {
                int from = (n - 1 - i) * per, to = i * per;
                for (int ch = 0; ch < c; ch++) {
                    for (int y = y0; y < y1; y++) {
                        int row = (ch * h + y) * w;
                        System.arraycopy(src, from + row + x0, x, to + row + x0, x1 - x0);
                    }
                }
            }
            lam = 1 - (double) (y1 - y0) * (x1 - x0) / (h * w); // the box was clipped at the borders
        } else if (lam < 1) {
            for (int i = 0; i < n; i++) {
                int from = (n - 1 - i) * per, to = i * per;
                for (int k = 0; k < per; k++) x[to + k] = (float) (lam * src[to + k] + (1 - lam) * src[from + k]);
            }
        }
        float off = (float) (smoothing / classes), on = (float) (1 - smoothing) + off;
        float[] targets = new float[n * classes];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < classes; k++) targets[i * classes + k] = off;
            targets[i * classes + batch.labels()[i]] += (float) (lam * (on - off));
            targets[i * classes + batch.labels()[n - 1 - i]] += (float) ((1 - lam) * (on - off));
        }
        return new Mixed(x, targets, lam, cut);
    }

    private static int clamp(int v, int hi) {
        return Math.max(0, Math.min(hi, v));
    }

    /** Beta(α, α) from two Gamma(α) draws. */
    static double beta(Random rng, double alpha) {
        double a = gamma(rng, alpha), b = gamma(rng, alpha);
        return a + b > 0 ? a / (a + b) : 0.5; // both underflow only for tiny α
    }

    /** Gamma(α, 1) by Marsaglia and Tsang (α &lt; 1 via the boost Gamma(α + 1)·U^{1/α}). */
    static double gamma(Random rng, double alpha) {
        if (alpha < 1) return gamma(rng, alpha + 1) * Math.pow(1 - rng.nextDouble(), 1 / alpha);
        double d = alpha - 1 / 3.0, c = 1 / Math.sqrt(9 * d);
        while (true) {
            double z = rng.nextGaussian(), v = 1 + c * z;
            if (v <= 0) continue;
            v = v * v * v;
            double u = 1 - rng.nextDouble();
            if (Math.log(u) < 0.5 * z * z + d - d * v + d * Math.log(v)) return d * v;
        }
    }
}
