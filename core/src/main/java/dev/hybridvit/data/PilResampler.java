package dev.hybridvit.data;

/**
 * PIL's {@code Image.resize} (Pillow {@code src/libImaging/Resample.c}): a separable two-pass
 * convolution, horizontal then vertical, whose filter is widened by the scale factor when
 * shrinking (antialiasing). 8-bit images use PIL's 22-bit fixed-point weights and round to uint8
 * between the passes, so results are bit-identical to PIL's; float images use the same weights in
 * double precision (PIL's mode {@code F}). Nearest neighbour follows PIL's affine scaling, which
 * samples the input at the pixel centres {@code floor((x + 0.5) · in / out)}.
 *
 * <p>Images are either interleaved 8-bit ({@code byte[]}, H×W×C) or planar floats (C×H×W). Every
 * method reads the region {@code [top, top + regionHeight) × [left, left + regionWidth)} only, as
 * torchvision's crop-then-resize does, so the filter never sees pixels outside the region.
 */
public final class PilResampler {
    private static final int PRECISION_BITS = 32 - 8 - 2;

    private PilResampler() {}

    /** Resizes a whole interleaved 8-bit image of {@code channels} bands. */
    public static byte[] resize(
            byte[] src, int width, int height, int channels, int outWidth, int outHeight, Interpolation filter) {
        return resize(src, width, height, channels, 0, 0, width, height, outWidth, outHeight, filter);
    }

    /** Resizes the given region of an interleaved 8-bit image of {@code channels} bands. */
    public static byte[] resize(
            byte[] src,
            int width,
            int height,
            int channels,
            int top,
            int left,
            int regionWidth,
            int regionHeight,
            int outWidth,
            int outHeight,
            Interpolation filter) {
        checkRegion(width, height, top, left, regionWidth, regionHeight, outWidth, outHeight);
        if (filter == Interpolation.NEAREST) {
            int[] xs = nearestIndices(regionWidth, outWidth), ys = nearestIndices(regionHeight, outHeight);
            byte[] out = new byte[outWidth * outHeight * channels];
            for (int y = 0; y < outHeight; y++) {
                int row = ((top + ys[y]) * width + left) * channels;
                for (int x = 0; x < outWidth; x++) {
                    System.arraycopy(src, row + xs[x] * channels, out, (y * outWidth + x) * channels, channels);
                }
            }
            return out;
        }
        boolean horizontal = outWidth != regionWidth, vertical = outHeight != regionHeight;
        Coefficients cy = Coefficients.of(regionHeight, outHeight, filter);
        int firstRow = cy.start[0], lastRow = cy.start[outHeight - 1] + cy.count[outHeight - 1];
        byte[] img = src;
        int imgWidth = width, imgLeft = left, imgTop = top;
        if (horizontal) {
            Coefficients cx = Coefficients.of(regionWidth, outWidth, filter);
            int[] k = cx.fixedPoint();
            int rows = vertical ? lastRow - firstRow : regionHeight, rowOffset = vertical ? firstRow : 0;
            byte[] tmp = new byte[rows * outWidth * channels];
            for (int y = 0; y < rows; y++) {
                int in = ((top + rowOffset + y) * width + left) * channels, out = y * outWidth * channels;
                for (int x = 0; x < outWidth; x++) {
                    int kBase = x * cx.ksize, start = in + cx.start[x] * channels, n = cx.count[x];
                    for (int c = 0; c < channels; c++) {
                        int ss = 1 << (PRECISION_BITS - 1);
                        for (int i = 0; i < n; i++) ss += (src[start + i * channels + c] & 0xff) * k[kBase + i];
                        tmp[out + x * channels + c] = clip8(ss);
                    }
                }
            }
            img = tmp;
            imgWidth = outWidth;
            imgLeft = 0;
            imgTop = vertical ? -firstRow : 0;
        }
        if (!vertical) return horizontal ? img : copyRegion(src, width, channels, top, left, outWidth, outHeight);
        int[] k = cy.fixedPoint();
        int rowLength = outWidth * channels;
        byte[] out = new byte[outHeight * rowLength];
        int[] acc = new int[rowLength];
        for (int y = 0; y < outHeight; y++) {
            java.util.Arrays.fill(acc, 1 << (PRECISION_BITS - 1));
            for (int i = 0; i < cy.count[y]; i++) {
                int weight = k[y * cy.ksize + i];
                int in = ((imgTop + cy.start[y] + i) * imgWidth + imgLeft) * channels;
                for (int j = 0; j < rowLength; j++) acc[j] += (img[in + j] & 0xff) * weight;
            }
            for (int j = 0; j < rowLength; j++) out[y * rowLength + j] = clip8(acc[j]);
        }
        return out;
    }

    /**
     * Resizes the given region of a planar float image (C×H×W) with PIL's weights in double
     * precision and no rounding between the passes (PIL's mode {@code F}).
     */
    public static float[] resize(
            float[] src,
            int channels,
            int height,
            int width,
            int top,
            int left,
            int regionHeight,
            int regionWidth,
            int outHeight,
            int outWidth,
            Interpolation filter) {
        checkRegion(width, height, top, left, regionWidth, regionHeight, outWidth, outHeight);
        float[] out = new float[channels * outHeight * outWidth];
        if (filter == Interpolation.NEAREST) {
            int[] xs = nearestIndices(regionWidth, outWidth), ys = nearestIndices(regionHeight, outHeight);
            for (int c = 0; c < channels; c++) {
                for (int y = 0; y < outHeight; y++) {
                    int row = (c * height + top + ys[y]) * width + left, o = (c * outHeight + y) * outWidth;
                    for (int x = 0; x < outWidth; x++) out[o + x] = src[row + xs[x]];
                }
            }
            return out;
        }
        Coefficients cx = Coefficients.of(regionWidth, outWidth, filter);
        Coefficients cy = Coefficients.of(regionHeight, outHeight, filter);
        float[] tmp = new float[regionHeight * outWidth];
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < regionHeight; y++) {
                int row = (c * height + top + y) * width + left;
                for (int x = 0; x < outWidth; x++) {
                    double ss = 0;
                    for (int i = 0; i < cx.count[x]; i++)
                        ss += src[row + cx.start[x] + i] * cx.weights[x * cx.ksize + i];
                    tmp[y * outWidth + x] = (float) ss;
                }
            }
            for (int y = 0; y < outHeight; y++) {
                int o = (c * outHeight + y) * outWidth;
                for (int x = 0; x < outWidth; x++) {
                    double ss = 0;
                    for (int i = 0; i < cy.count[y]; i++)
                        ss += tmp[(cy.start[y] + i) * outWidth + x] * cy.weights[y * cy.ksize + i];
                    out[o + x] = (float) ss;
                }
            }
        }
        return out;
    }

    /**
     * PIL's per-output-pixel filter taps along one axis ({@code precompute_coeffs}): output pixel
     * {@code i} reads {@code count[i]} inputs from {@code start[i]} with normalised {@code weights}.
     */
    private record Coefficients(int ksize, int[] start, int[] count, double[] weights) {
        static Coefficients of(int inSize, int outSize, Interpolation filter) {
            double scale = (double) inSize / outSize, filterScale = Math.max(scale, 1.0);
            double support = filter.support() * filterScale, inverse = 1.0 / filterScale;
            int ksize = (int) Math.ceil(support) * 2 + 1;
            int[] start = new int[outSize], count = new int[outSize];
            double[] weights = new double[outSize * ksize];
            for (int i = 0; i < outSize; i++) {
                double center = (i + 0.5) * scale;
                int min = Math.max(0, (int) (center - support + 0.5));
                int max = Math.min(inSize, (int) (center + support + 0.5)) - min;
                double total = 0;
                for (int x = 0; x < max; x++) {
                    double w = filter.kernel((x + min - center + 0.5) * inverse);
                    weights[i * ksize + x] = w;
                    total += w;
                }
                if (total != 0) {
                    for (int x = 0; x < max; x++) weights[i * ksize + x] /= total;
                }
                start[i] = min;
                count[i] = max;
            }
            return new Coefficients(ksize, start, count, weights);
        }

        /** The weights in PIL's fixed point ({@code normalize_coeffs_8bpc}), rounded half away from zero. */
        int[] fixedPoint() {
            int[] k = new int[weights.length];
            for (int i = 0; i < k.length; i++) {
                double w = weights[i] * (1 << PRECISION_BITS);
                k[i] = (int) (w < 0 ? w - 0.5 : w + 0.5);
            }
            return k;
        }
    }

    /** PIL's nearest-neighbour source indices: the centres (x + 0.5)·scale, accumulated as PIL does. */
    private static int[] nearestIndices(int inSize, int outSize) {
        double step = (double) inSize / outSize, pos = step * 0.5;
        int[] idx = new int[outSize];
        for (int i = 0; i < outSize; i++) {
            idx[i] = Math.min(inSize - 1, (int) pos);
            pos += step;
        }
        return idx;
    }

    private static byte clip8(int ss) {
        return (byte) Math.max(0, Math.min(255, ss >> PRECISION_BITS));
    }

    private static byte[] copyRegion(byte[] src, int width, int channels, int top, int left, int w, int h) {
        byte[] out = new byte[w * h * channels];
        for (int y = 0; y < h; y++) {
            System.arraycopy(src, ((top + y) * width + left) * channels, out, y * w * channels, w * channels);
        }
        return out;
    }

    private static void checkRegion(
            int width, int height, int top, int left, int regionWidth, int regionHeight, int outWidth, int outHeight) {
        if (top < 0
                || left < 0
                || regionWidth < 1
                || regionHeight < 1
                || top + regionHeight > height
                || left + regionWidth > width) {
            throw new IllegalArgumentException("region " + regionHeight + "×" + regionWidth + " at (" + top + ", "
                    + left + ") is not inside a " + height + "×" + width + " image");
        }
        if (outWidth < 1 || outHeight < 1)
            throw new IllegalArgumentException("output size must be positive, got " + outHeight + "×" + outWidth);
    }
}
