package dev.hybridvit.data;

import java.util.Locale;
import java.util.Random;

/**
 * RandAugment (Cubuk et al. 2020) with timm's meaning of {@code --aa rand-m9-mstd0.5}: per image,
 * {@code n} ops (default 2) drawn with replacement from timm's 15-op set, each applied with
 * probability {@code p} (0.5) at magnitude {@code m} (of 10) plus Gaussian noise of std
 * {@code mstd}, clipped to [0, {@code mmax}] (10); {@code inc1} selects timm's "increasing"
 * variants of Posterize, Solarize and the enhance ops. Levels map to op arguments as in timm
 * (rotate ±30°·m/10, shear ±0.3·m/10, translate ±0.45·m/10 of the size, enhance factor
 * 0.1 + 1.8·m/10, posterize bits ⌊4·m/10⌋, solarize threshold ⌊256·m/10⌋, solarize-add
 * ⌊110·m/10⌋); geometric ops fill with {@code fill} (timm: the dataset mean).
 *
 * <p>Works on C×H×W floats in [0, 1] (before normalisation; wrap it with
 * {@link Transforms#inPixelSpace} to use it after). Differences from timm's PIL version: pixels
 * stay float (thresholds and histograms use the 8-bit value {@code round(255·x)}, posterize
 * and equalize quantise their output to 8 bits, the other ops do not round); geometric ops
 * always interpolate bilinearly (timm picks bilinear or bicubic at random); Color is a no-op
 * on images that are not 3-channel.
 */
public final class RandAugment implements Transform {
    /** timm's {@code _RAND_TRANSFORMS}, in its order. */
    public enum Op {
        AUTO_CONTRAST,
        EQUALIZE,
        INVERT,
        ROTATE,
        POSTERIZE,
        SOLARIZE,
        SOLARIZE_ADD,
        COLOR,
        CONTRAST,
        BRIGHTNESS,
        SHARPNESS,
        SHEAR_X,
        SHEAR_Y,
        TRANSLATE_X_REL,
        TRANSLATE_Y_REL
    }

    private static final Op[] OPS = Op.values();
    private static final double LEVEL_DENOM = 10;

    private final double magnitude, magnitudeStd, magnitudeMax, prob;
    private final int numOps;
    private final boolean increasing;
    private final float[] fill;

    public RandAugment(
            double magnitude,
            int numOps,
            double magnitudeStd,
            double magnitudeMax,
            double prob,
            boolean increasing,
            float[] fill) {
        if (numOps < 0 || magnitude < 0 || magnitudeStd < 0 || prob < 0 || prob > 1) {
            throw new IllegalArgumentException("RandAugment: need m ≥ 0, n ≥ 0, mstd ≥ 0, 0 ≤ p ≤ 1");
        }
        this.magnitude = magnitude;
        this.numOps = numOps;
        this.magnitudeStd = magnitudeStd;
        this.magnitudeMax = magnitudeMax;
        this.prob = prob;
        this.increasing = increasing;
        this.fill = fill.clone();
    }

    /**
     * Parses timm's config string: {@code rand} followed by {@code -m9}, {@code -n2},
     * {@code -mstd0.5} (&gt; 100: uniform in [0, m]), {@code -mmax10}, {@code -p0.5}, {@code -inc1}.
     */
    public static RandAugment parse(String config, float[] fill) {
        String[] parts = config.trim().toLowerCase(Locale.ROOT).split("-");
        if (!parts[0].equals("rand")) {
            throw new IllegalArgumentException(
                    "--aa " + config + ": only RandAugment ('rand-m9-mstd0.5' and variants) is supported");
        }
        double m = LEVEL_DENOM, mstd = 0, mmax = LEVEL_DENOM, p = 0.5;
        int n = 2;
        boolean inc = false;
        for (int i = 1; i < parts.length; i++) {
            String s = parts[i];
            int digit = 0;
            while (digit < s.length() && !Character.isDigit(s.charAt(digit)) && s.charAt(digit) != '.') digit++;
            String key = s.substring(0, digit), val = s.substring(digit);
            try {
                switch (key) {
                    case "m" -> m = Integer.parseInt(val);
                    case "n" -> n = Integer.parseInt(val);
                    case "mstd" ->
                        mstd = Double.parseDouble(val) > 100 ? Double.POSITIVE_INFINITY : Double.parseDouble(val);
                    case "mmax" -> mmax = Integer.parseInt(val);
                    case "p" -> p = Double.parseDouble(val);
                    case "inc" -> inc = Integer.parseInt(val) != 0;
                    default ->
                        throw new IllegalArgumentException(
                                "--aa " + config + ": unknown section '" + s + "' (known: m, n, mstd, mmax, p, inc)");
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--aa " + config + ": bad number in '" + s + "'");
            }
        }
        return new RandAugment(m, n, mstd, mmax, p, inc, fill);
    }

    @Override
    public float[] apply(float[] image, int[] dims, Random rng) {
        float[] img = image;
        for (int i = 0; i < numOps; i++) img = apply(OPS[rng.nextInt(OPS.length)], img, dims, rng);
        return img;
    }

    /** One op as timm's AugmentOp: the probability draw, the magnitude noise, then the op. */
    float[] apply(Op op, float[] img, int[] d, Random rng) {
        if (prob < 1 && rng.nextDouble() > prob) return img;
        double m = magnitude;
        if (magnitudeStd == Double.POSITIVE_INFINITY) m = rng.nextDouble() * m;
        else if (magnitudeStd > 0) m = m + magnitudeStd * rng.nextGaussian();
        double level = Math.max(0, Math.min(m, magnitudeMax)) / LEVEL_DENOM;
        int c = d[0], h = d[1], w = d[2];
        return switch (op) {
            case AUTO_CONTRAST -> autoContrast(img, c, h * w);
            case EQUALIZE -> equalize(img, c, h * w);
            case INVERT -> map(img, x -> 1 - x);
            case POSTERIZE -> posterize(img, increasing ? 4 - (int) (level * 4) : (int) (level * 4));
            case SOLARIZE -> {
                int thresh = increasing ? 256 - (int) (level * 256) : (int) (level * 256);
                yield map(img, x -> to8(x) < thresh ? x : 1 - x);
            }
            case SOLARIZE_ADD -> {
                float add = (int) (level * 110) / 255f;
                yield map(img, x -> to8(x) < 128 ? Math.min(1, x + add) : x);
            }
            case COLOR -> c == 3 ? blend(grey(img, h * w, false), img, enhance(level, rng)) : img;
            case CONTRAST -> blend(grey(img, h * w, true), img, enhance(level, rng));
            case BRIGHTNESS -> blend(new float[img.length], img, enhance(level, rng));
            case SHARPNESS -> blend(smooth(img, c, h, w), img, enhance(level, rng));
            case ROTATE -> {
                double a = Math.toRadians(negate(level * 30, rng)), cos = Math.cos(a), sin = Math.sin(a);
                double cx = w / 2.0, cy = h / 2.0;
                // PIL's rotate: counter-clockwise about the centre, as the inverse map output → input
                yield affine(img, c, h, w, cos, -sin, cx - cos * cx + sin * cy, sin, cos, cy - sin * cx - cos * cy);
            }
            case SHEAR_X -> affine(img, c, h, w, 1, negate(level * 0.3, rng), 0, 0, 1, 0);
            case SHEAR_Y -> affine(img, c, h, w, 1, 0, 0, negate(level * 0.3, rng), 1, 0);
            case TRANSLATE_X_REL -> affine(img, c, h, w, 1, 0, negate(level * 0.45, rng) * w, 0, 1, 0);
            case TRANSLATE_Y_REL -> affine(img, c, h, w, 1, 0, 0, 0, 1, negate(level * 0.45, rng) * h);
        };
    }

    private double enhance(double level, Random rng) {
        return increasing ? Math.max(0.1, 1 + negate(level * 0.9, rng)) : level * 1.8 + 0.1;
    }

    /** timm's {@code _randomly_negate}. */
    private static double negate(double v, Random rng) {
        return rng.nextDouble() > 0.5 ? -v : v;
    }

    private static int to8(float x) {
        return Math.max(0, Math.min(255, Math.round(x * 255)));
    }

    private interface PixelOp {
        float apply(float x);
    }

    private static float[] map(float[] img, PixelOp f) {
        float[] out = new float[img.length];
        for (int i = 0; i < img.length; i++) out[i] = f.apply(img[i]);
        return out;
    }

    private static float[] posterize(float[] img, int bits) {
        if (bits >= 8) return img;
        int mask = ~((1 << (8 - bits)) - 1) & 0xff;
        return map(img, x -> (to8(x) & mask) / 255f);
    }

    /** PIL's autocontrast (cutoff 0): each channel stretched to [0, 1]. */
    private static float[] autoContrast(float[] img, int c, int n) {
        float[] out = img.clone();
        for (int ch = 0; ch < c; ch++) {
            float lo = Float.MAX_VALUE, hi = -Float.MAX_VALUE;
            for (int i = ch * n; i < (ch + 1) * n; i++) {
                lo = Math.min(lo, img[i]);
                hi = Math.max(hi, img[i]);
            }
            if (hi <= lo) continue;
            float scale = 1 / (hi - lo);
            for (int i = ch * n; i < (ch + 1) * n; i++) out[i] = (img[i] - lo) * scale;
        }
        return out;
    }

    /** PIL's equalize: per channel, the 8-bit histogram's cumulative lookup table. */
    private static float[] equalize(float[] img, int c, int n) {
        float[] out = img.clone();
        int[] hist = new int[256];
        for (int ch = 0; ch < c; ch++) {
            java.util.Arrays.fill(hist, 0);
            for (int i = ch * n; i < (ch + 1) * n; i++) hist[to8(img[i])]++;
            int last = 255;
            while (hist[last] == 0) last--;
            int nonZero = 0;
            for (int v : hist) if (v > 0) nonZero++;
            int step = (n - hist[last]) / 255;
            if (nonZero <= 1 || step == 0) continue;
            float[] lut = new float[256];
            int acc = step / 2;
            for (int v = 0; v < 256; v++) {
                lut[v] = Math.min(255, acc / step) / 255f;
                acc += hist[v];
            }
            for (int i = ch * n; i < (ch + 1) * n; i++) out[i] = lut[to8(img[i])];
        }
        return out;
    }

    /** ITU-R 601 luma per pixel, repeated over the channels; or its image mean (Contrast's degenerate image). */
    private static float[] grey(float[] img, int n, boolean meanOnly) {
        int c = img.length / n;
        float[] out = new float[img.length];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float l = c == 3 ? 0.299f * img[i] + 0.587f * img[n + i] + 0.114f * img[2 * n + i] : img[i];
            for (int ch = 0; ch < c; ch++) out[ch * n + i] = l;
            sum += l;
        }
        if (meanOnly) java.util.Arrays.fill(out, Math.round(sum / n * 255) / 255f);
        return out;
    }

    /** PIL's SMOOTH kernel (centre 5, neighbours 1, /13); the border keeps the original pixels. */
    private static float[] smooth(float[] img, int c, int h, int w) {
        float[] out = img.clone();
        for (int ch = 0; ch < c; ch++) {
            int base = ch * h * w;
            for (int y = 1; y < h - 1; y++) {
                for (int x = 1; x < w - 1; x++) {
                    int i = base + y * w + x;
                    float s = 4 * img[i];
                    for (int dy = -1; dy <= 1; dy++) {
                        for (int dx = -1; dx <= 1; dx++) s += img[i + dy * w + dx];
                    }
                    out[i] = s / 13;
                }
            }
        }
        return out;
    }

    /** PIL's ImageEnhance: degenerate + f·(image − degenerate), clipped to [0, 1]. */
    private static float[] blend(float[] degenerate, float[] img, double f) {
        float[] out = new float[img.length];
        for (int i = 0; i < img.length; i++) {
            out[i] = (float) Math.max(0, Math.min(1, degenerate[i] + f * (img[i] - degenerate[i])));
        }
        return out;
    }

    /**
     * PIL's affine transform: output pixel centre (x + ½, y + ½) reads input point
     * (a·X + b·Y + c, d·X + e·Y + f), bilinear; points outside the image get {@link #fill}.
     */
    private float[] affine(
            float[] img, int ch, int h, int w, double a, double b, double c, double d, double e, double f) {
        float[] out = new float[img.length];
        int n = h * w;
        for (int y = 0; y < h; y++) {
            double yc = y + 0.5;
            for (int x = 0; x < w; x++) {
                double xc = x + 0.5;
                double sx = a * xc + b * yc + c, sy = d * xc + e * yc + f;
                int o = y * w + x;
                if (sx < 0 || sx >= w || sy < 0 || sy >= h) {
                    for (int k = 0; k < ch; k++) out[k * n + o] = fill[Math.min(k, fill.length - 1)];
                    continue;
                }
                double fx = sx - 0.5, fy = sy - 0.5;
                int x0 = (int) Math.floor(fx), y0 = (int) Math.floor(fy);
                double wx = fx - x0, wy = fy - y0;
                int xa = Math.max(0, x0),
                        xb = Math.min(w - 1, x0 + 1),
                        ya = Math.max(0, y0),
                        yb = Math.min(h - 1, y0 + 1);
                for (int k = 0; k < ch; k++) {
                    int base = k * n;
                    double top = img[base + ya * w + xa] * (1 - wx) + img[base + ya * w + xb] * wx;
                    double bot = img[base + yb * w + xa] * (1 - wx) + img[base + yb * w + xb] * wx;
                    out[base + o] = (float) (top * (1 - wy) + bot * wy);
                }
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return String.format(
                Locale.ROOT,
                "RandAugment(n=%d, m=%s, mstd=%s, mmax=%s, p=%s%s)",
                numOps,
                magnitude,
                magnitudeStd,
                magnitudeMax,
                prob,
                increasing ? ", increasing" : "");
    }
}
