package dev.hybridvit.data;

/** The transforms used for training and evaluation, as small composable functions. */
public final class Transforms {
    private Transforms() {}

    /** Grey → RGB by repeating the channel (no-op for 3-channel images). */
    public static Transform toRgb() {
        return (img, d, rng) -> {
            if (d[0] == 3) return img;
            int n = d[1] * d[2];
            float[] out = new float[3 * n];
            for (int c = 0; c < 3; c++) System.arraycopy(img, 0, out, c * n, n);
            d[0] = 3;
            return out;
        };
    }

    /** Bilinear resize to size×size with PIL's filter ({@link PilResampler}: antialiased when shrinking). */
    public static Transform resize(int size) {
        return (img, d, rng) -> d[1] == size && d[2] == size ? img : resizeRegion(img, d, 0, 0, d[1], d[2], size);
    }

    /**
     * The region rows [top, top+h) × columns [left, left+w) of a C×H×W image, resized to
     * size×size as torchvision's {@code resized_crop} does on a PIL image (crop, then PIL's bilinear
     * filter, sampling only inside the region); {@code d} is updated.
     */
    static float[] resizeRegion(float[] img, int[] d, int top, int left, int h, int w, int size) {
        float[] out = PilResampler.resize(img, d[0], d[1], d[2], top, left, h, w, size, size, Interpolation.BILINEAR);
        d[1] = size;
        d[2] = size;
        return out;
    }

    /** Zero-pad by {@code pad} pixels, then crop back to the original size at a random offset. */
    public static Transform randomCrop(int pad) {
        return (img, d, rng) -> {
            int c = d[0], h = d[1], w = d[2];
            int dy = rng.nextInt(2 * pad + 1) - pad, dx = rng.nextInt(2 * pad + 1) - pad;
            float[] out = new float[img.length];
            for (int ch = 0; ch < c; ch++) {
                for (int y = 0; y < h; y++) {
                    int sy = y + dy;
                    if (sy < 0 || sy >= h) continue;
                    for (int x = 0; x < w; x++) {
                        int sx = x + dx;
                        if (sx >= 0 && sx < w) out[(ch * h + y) * w + x] = img[(ch * h + sy) * w + sx];
                    }
                }
            }
            return out;
        };
    }

    /** Mirror left-right with probability 1/2. */
    public static Transform horizontalFlip() {
        return horizontalFlip(0.5);
    }

    /** Mirror left-right with probability {@code p} (timm's {@code --hflip}); 0 is the identity. */
    public static Transform horizontalFlip(double p) {
        if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException("flip probability must be in [0, 1], got " + p);
        if (p == 0) return (img, d, rng) -> img;
        return (img, d, rng) -> {
            if (rng.nextDouble() >= p) return img;
            int c = d[0], h = d[1], w = d[2];
            float[] out = new float[img.length];
            for (int row = 0; row < c * h; row++) {
                for (int x = 0; x < w; x++) out[row * w + x] = img[row * w + (w - 1 - x)];
            }
            return out;
        };
    }

    /** (x − mean) / std per channel. */
    public static Transform normalize(float[] mean, float[] std) {
        return (img, d, rng) -> {
            int n = d[1] * d[2];
            float[] out = new float[img.length];
            for (int c = 0; c < d[0]; c++) {
                for (int i = 0; i < n; i++) out[c * n + i] = (img[c * n + i] - mean[c]) / std[c];
            }
            return out;
        };
    }

    /**
     * Runs {@code inner} on a normalised image in pixel space: x·std + mean, {@code inner},
     * (x − mean)/std. Lets augmentations written for [0, 1] pixels (RandAugment) follow a
     * pipeline that already ends in {@link #normalize}; equal to applying them before it, since
     * the normalisation is per-channel affine.
     */
    public static Transform inPixelSpace(float[] mean, float[] std, Transform inner) {
        return (img, d, rng) -> {
            int n = d[1] * d[2];
            float[] px = new float[img.length];
            for (int c = 0; c < d[0]; c++) {
                for (int i = 0; i < n; i++) px[c * n + i] = img[c * n + i] * std[c] + mean[c];
            }
            return normalize(mean, std).apply(inner.apply(px, d, rng), d, rng);
        };
    }

    /** Centre crop to size×size at torchvision's offsets (the input must be at least that large). */
    public static Transform centerCrop(int size) {
        return (img, d, rng) ->
                crop(img, d, size, ImageFiles.centerCropOffset(d[1], size), ImageFiles.centerCropOffset(d[2], size));
    }

    private static float[] crop(float[] img, int[] d, int size, int top, int left) {
        int c = d[0], h = d[1], w = d[2];
        if (h < size || w < size)
            throw new IllegalArgumentException("cannot crop " + size + " from a " + h + "×" + w + " image");
        if (h == size && w == size) return img;
        float[] out = new float[c * size * size];
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < size; y++) {
                System.arraycopy(img, (ch * h + top + y) * w + left, out, (ch * size + y) * size, size);
            }
        }
        d[1] = size;
        d[2] = size;
        return out;
    }
}
