package dev.hybridvit.data;

import java.util.Random;

/**
 * torchvision's {@code RandomResizedCrop} (timm's {@code --scale}, {@code --ratio}): a random
 * region covering a fraction in [scaleMin, scaleMax] of the image's area with aspect ratio
 * (width/height) log-uniform in [ratioMin, ratioMax], resized bilinearly to size×size. As in
 * torchvision, ten draws are tried; if none fits, the centre crop with the ratio clamped to the
 * range is used. Applied to the image as loaded (for an ImageFolder, its centre square at
 * {@code size / crop_pct}); the resize is PIL's bilinear filter ({@link PilResampler}), antialiased
 * when shrinking as torchvision's on PIL images.
 */
public record RandomResizedCrop(double scaleMin, double scaleMax, double ratioMin, double ratioMax) {
    /** timm's and torchvision's defaults: scale (0.08, 1), ratio (3/4, 4/3). */
    public static final RandomResizedCrop DEFAULT = new RandomResizedCrop(0.08, 1.0, 3.0 / 4, 4.0 / 3);

    private static final int ATTEMPTS = 10;

    public RandomResizedCrop {
        if (!(scaleMin > 0 && scaleMin <= scaleMax && scaleMax <= 1)) {
            throw new IllegalArgumentException("--scale needs 0 < min ≤ max ≤ 1, got " + scaleMin + " " + scaleMax);
        }
        if (!(ratioMin > 0 && ratioMin <= ratioMax && Double.isFinite(ratioMax))) {
            throw new IllegalArgumentException("--ratio needs 0 < min ≤ max, got " + ratioMin + " " + ratioMax);
        }
    }

    /** The region {top, left, height, width} to crop from an h×w image ({@code get_params}). */
    public int[] region(int h, int w, Random rng) {
        double area = (double) h * w, logLo = Math.log(ratioMin), logHi = Math.log(ratioMax);
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            double target = area * (scaleMin + rng.nextDouble() * (scaleMax - scaleMin));
            double ratio = Math.exp(logLo + rng.nextDouble() * (logHi - logLo));
            int cw = (int) Math.round(Math.sqrt(target * ratio)), ch = (int) Math.round(Math.sqrt(target / ratio));
            if (cw > 0 && cw <= w && ch > 0 && ch <= h) {
                return new int[] {rng.nextInt(h - ch + 1), rng.nextInt(w - cw + 1), ch, cw};
            }
        }
        double ratio = (double) w / h;
        int cw = w, ch = h;
        if (ratio < ratioMin) ch = (int) Math.round(w / ratioMin);
        else if (ratio > ratioMax) cw = (int) Math.round(h * ratioMax);
        return new int[] {(h - ch) / 2, (w - cw) / 2, ch, cw};
    }

    /** The transform producing size×size images. */
    public Transform to(int size) {
        if (size < 1) throw new IllegalArgumentException("crop size must be positive, got " + size);
        return (img, d, rng) -> {
            int[] r = region(d[1], d[2], rng);
            return Transforms.resizeRegion(img, d, r[0], r[1], r[2], r[3], size);
        };
    }
}
