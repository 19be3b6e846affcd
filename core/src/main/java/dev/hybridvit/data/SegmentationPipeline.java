package dev.hybridvit.data;

import java.util.SplittableRandom;

/**
 * mmseg's ADE20K training pipeline on one {@link SegmentationFolder.Sample}
 * ({@code configs/_base_/datasets/ade20k.py}): {@code RandomResize} to a ratio in
 * [{@code minRatio}, {@code maxRatio}] of the base scale keeping the aspect ratio (image
 * bilinear, labels nearest), {@code RandomCrop} of {@code cropSize} retried up to ten times
 * until no class covers more than {@code catMaxRatio} of the crop's labelled pixels,
 * {@code RandomFlip} (horizontal, p = 0.5), {@code PhotoMetricDistortion}, normalisation and
 * padding to the crop size (image 0, labels {@link SegmentationFolder#IGNORE}). The evaluation
 * form ({@link #evaluate}) only resizes to the base scale and normalises.
 *
 * <p>Resizing uses PIL's filters ({@link PilResampler}) where mmseg uses OpenCV's; the
 * distortion works in RGB with OpenCV's HSV formulas (hue in degrees).
 */
public record SegmentationPipeline(
        int scaleLong,
        int scaleShort,
        double minRatio,
        double maxRatio,
        int cropSize,
        double catMaxRatio,
        boolean photometric,
        float[] mean,
        float[] std) {
    /** mmseg's ImageNet statistics on 0…255 pixels, RGB. */
    public static final float[] MEAN = {123.675f, 116.28f, 103.53f}, STD = {58.395f, 57.12f, 57.375f};

    /** ADE20K's: scale (2048, 512), ratio 0.5–2.0, 512 crop, cat_max_ratio 0.75, with distortion. */
    public static SegmentationPipeline ade20k() {
        return new SegmentationPipeline(2048, 512, 0.5, 2.0, 512, 0.75, true, MEAN, STD);
    }

    /** The same recipe scaled to a crop of {@code crop} pixels (scale 4·crop × crop). */
    public static SegmentationPipeline forCrop(int crop) {
        return new SegmentationPipeline(4 * crop, crop, 0.5, 2.0, crop, 0.75, true, MEAN, STD);
    }

    /** A training image: normalised 3×crop×crop floats and crop×crop labels. */
    public record Example(float[] image, int[] label, int height, int width) {}

    /** One training example drawn from {@code s} with {@code rng}. */
    public Example train(SegmentationFolder.Sample s, SplittableRandom rng) {
        double ratio = minRatio + rng.nextDouble() * (maxRatio - minRatio);
        int[] size = keepRatioSize(s.width(), s.height(), scaleLong * ratio, scaleShort * ratio);
        RgbImage img = s.image().resize(size[0], size[1], Interpolation.BILINEAR);
        byte[] lab = resizeLabels(s.label(), s.width(), s.height(), size[0], size[1]);
        int w = size[0], h = size[1];
        // random crop, retried while one class dominates
        int ch = Math.min(cropSize, h), cw = Math.min(cropSize, w), top = 0, left = 0;
        for (int attempt = 0; attempt < 10; attempt++) {
            top = rng.nextInt(h - ch + 1);
            left = rng.nextInt(w - cw + 1);
            if (catMaxRatio >= 1 || balanced(lab, w, top, left, ch, cw)) break;
        }
        boolean flip = rng.nextDouble() < 0.5;
        float[] rgb = new float[3 * ch * cw];
        int[] label = new int[ch * cw];
        for (int y = 0; y < ch; y++) {
            for (int x = 0; x < cw; x++) {
                int sx = left + (flip ? cw - 1 - x : x), sp = (top + y) * w + sx, o = y * cw + x;
                for (int c = 0; c < 3; c++) rgb[c * ch * cw + o] = img.pixels()[3 * sp + c] & 0xff;
                label[o] = lab[sp] & 0xff;
            }
        }
        if (photometric) distort(rgb, ch * cw, rng);
        normalize(rgb, ch * cw);
        return pad(rgb, label, ch, cw);
    }

    /** The evaluation form: resized to the base scale keeping the ratio, normalised; labels untouched. */
    public float[] evaluate(RgbImage image, int[] outSize) {
        int[] size = keepRatioSize(image.width(), image.height(), scaleLong, scaleShort);
        RgbImage img = image.resize(size[0], size[1], Interpolation.BILINEAR);
        int hw = size[0] * size[1];
        float[] rgb = new float[3 * hw];
        for (int p = 0; p < hw; p++) for (int c = 0; c < 3; c++) rgb[c * hw + p] = img.pixels()[3 * p + c] & 0xff;
        normalize(rgb, hw);
        outSize[0] = size[1];
        outSize[1] = size[0];
        return rgb;
    }

    /**
     * mmcv's {@code rescale_size} with {@code keep_ratio}: the largest factor that fits the long
     * side in {@code maxLong} and the short side in {@code maxShort}; returns (width, height).
     */
    static int[] keepRatioSize(int w, int h, double maxLong, double maxShort) {
        double f = Math.min(maxLong / Math.max(w, h), maxShort / Math.min(w, h));
        return new int[] {Math.max(1, (int) (w * f + 0.5)), Math.max(1, (int) (h * f + 0.5))};
    }

    private static byte[] resizeLabels(byte[] label, int w, int h, int nw, int nh) {
        if (w == nw && h == nh) return label;
        return PilResampler.resize(label, w, h, 1, nw, nh, Interpolation.NEAREST);
    }

    /** mmseg's cat_max_ratio test: more than one class in the crop and none above the ratio (ignore excluded). */
    private boolean balanced(byte[] lab, int w, int top, int left, int ch, int cw) {
        int[] count = new int[256];
        for (int y = 0; y < ch; y++) for (int x = 0; x < cw; x++) count[lab[(top + y) * w + left + x] & 0xff]++;
        long total = 0, max = 0, classes = 0;
        for (int c = 0; c < 256; c++) {
            if (c == SegmentationFolder.IGNORE || count[c] == 0) continue;
            classes++;
            total += count[c];
            max = Math.max(max, count[c]);
        }
        return classes > 1 && (double) max / total < catMaxRatio;
    }

    /**
     * mmseg's {@code PhotoMetricDistortion} on 0…255 RGB planes: brightness ±32, contrast
     * ×[0.5, 1.5] before or after the HSV steps (chosen at random), saturation ×[0.5, 1.5], hue
     * ±18°; each step with probability ½, values clipped to 0…255.
     */
    private static void distort(float[] rgb, int hw, SplittableRandom rng) {
        if (rng.nextInt(2) == 1) affine(rgb, 1, rng.nextDouble(-32, 32));
        int mode = rng.nextInt(2);
        if (mode == 1 && rng.nextInt(2) == 1) affine(rgb, rng.nextDouble(0.5, 1.5), 0);
        double sat = rng.nextInt(2) == 1 ? rng.nextDouble(0.5, 1.5) : 1;
        double hue = rng.nextInt(2) == 1 ? rng.nextInt(-18, 18) : 0;
        if (sat != 1 || hue != 0) for (int p = 0; p < hw; p++) hsvShift(rgb, hw, p, sat, hue);
        if (mode == 0 && rng.nextInt(2) == 1) affine(rgb, rng.nextDouble(0.5, 1.5), 0);
    }

    private static void affine(float[] rgb, double alpha, double beta) {
        for (int i = 0; i < rgb.length; i++) rgb[i] = (float) Math.max(0, Math.min(255, rgb[i] * alpha + beta));
    }

    /** Pixel {@code p} to HSV (OpenCV's float formulas), saturation scaled, hue turned, and back. */
    private static void hsvShift(float[] rgb, int hw, int p, double sat, double hue) {
        double r = rgb[p], g = rgb[hw + p], b = rgb[2 * hw + p];
        double v = Math.max(r, Math.max(g, b)), min = Math.min(r, Math.min(g, b)), d = v - min;
        double s = v == 0 ? 0 : d / v, h;
        if (d == 0) h = 0;
        else if (v == r) h = 60 * (g - b) / d;
        else if (v == g) h = 120 + 60 * (b - r) / d;
        else h = 240 + 60 * (r - g) / d;
        s = Math.max(0, Math.min(1, s * sat));
        h = ((h + hue) % 360 + 360) % 360;
        double c = v * s, x = c * (1 - Math.abs((h / 60) % 2 - 1)), m = v - c;
        double[] out = switch ((int) (h / 60)) {
            case 0 -> new double[] {c, x, 0};
            case 1 -> new double[] {x, c, 0};
            case 2 -> new double[] {0, c, x};
            case 3 -> new double[] {0, x, c};
            case 4 -> new double[] {x, 0, c};
            default -> new double[] {c, 0, x};
        };
        for (int k = 0; k < 3; k++) rgb[k * hw + p] = (float) (out[k] + m);
    }

    private void normalize(float[] rgb, int hw) {
        for (int c = 0; c < 3; c++) for (int p = 0; p < hw; p++) rgb[c * hw + p] = (rgb[c * hw + p] - mean[c]) / std[c];
    }

    /** Pads bottom and right to the crop size: image 0 (after normalisation, as mmseg), labels ignored. */
    private Example pad(float[] rgb, int[] label, int h, int w) {
        if (h == cropSize && w == cropSize) return new Example(rgb, label, h, w);
        int n = cropSize;
        float[] img = new float[3 * n * n];
        int[] lab = new int[n * n];
        java.util.Arrays.fill(lab, SegmentationFolder.IGNORE);
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < h; y++) System.arraycopy(rgb, c * h * w + y * w, img, c * n * n + y * n, w);
        for (int y = 0; y < h; y++) System.arraycopy(label, y * w, lab, y * n, w);
        return new Example(img, lab, n, n);
    }
}
