package dev.hybridvit.models.segmentation;

/**
 * How a segmentation model covers an image, as mmsegmentation's {@code EncoderDecoder} test modes:
 * {@code whole} (one forward at the image's size) or {@code slide} ({@code slide_inference}:
 * {@code crop}×{@code crop} windows every {@code stride} pixels, the last row and column of windows
 * moved back inside the image, each window's logits added where it lies and the sum divided by how
 * many windows cover each pixel). The window arithmetic is on plain arrays so that eager libtorch
 * and a fixed-size ONNX export share it.
 */
public record SegmentationInference(boolean slide, int crop, int stride) {
    public static SegmentationInference whole() {
        return new SegmentationInference(false, 0, 0);
    }

    public static SegmentationInference slide(int crop, int stride) {
        if (crop < 1 || stride < 1 || stride > crop)
            throw new IllegalArgumentException(
                    "--crop-size and --stride: expected 1 ≤ stride ≤ crop size, got " + crop + " and " + stride);
        return new SegmentationInference(true, crop, stride);
    }

    public String describe() {
        return slide ? "slide (crop " + crop + ", stride " + stride + ")" : "whole";
    }

    /** The logits of one window, rows y1..y2 and columns x1..x2 of the input: N×K×(y2−y1)×(x2−x1), row-major. */
    @FunctionalInterface
    public interface WindowLogits {
        float[] logits(int y1, int y2, int x1, int x2);
    }

    /**
     * The slide mode's N×K×H×W logits (row-major) of an H×W input from its windows' logits. An
     * image no larger than one window is one window, the whole-image forward.
     */
    public float[] slideLogits(int n, int k, int h, int w, WindowLogits window) {
        int rows = Math.max(h - crop + stride - 1, 0) / stride + 1,
                cols = Math.max(w - crop + stride - 1, 0) / stride + 1;
        float[] sum = new float[n * k * h * w];
        int[] count = new int[h * w];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                int y2 = Math.min(r * stride + crop, h), x2 = Math.min(c * stride + crop, w);
                int y1 = Math.max(y2 - crop, 0), x1 = Math.max(x2 - crop, 0), wh = y2 - y1, ww = x2 - x1;
                float[] logits = window.logits(y1, y2, x1, x2);
                for (int i = 0; i < n * k; i++)
                    for (int y = 0; y < wh; y++)
                        for (int xx = 0; xx < ww; xx++)
                            sum[(i * h + y1 + y) * w + x1 + xx] += logits[(i * wh + y) * ww + xx];
                for (int y = y1; y < y2; y++) for (int xx = x1; xx < x2; xx++) count[y * w + xx]++;
            }
        }
        for (int i = 0; i < n * k; i++) for (int p = 0; p < h * w; p++) sum[i * h * w + p] /= count[p];
        return sum;
    }

    /** Rows y1..y2 and columns x1..x2 of an N×C×H×W array (row-major). */
    public static float[] window(float[] nchw, int nc, int h, int w, int y1, int y2, int x1, int x2) {
        int wh = y2 - y1, ww = x2 - x1;
        float[] out = new float[nc * wh * ww];
        for (int i = 0; i < nc; i++)
            for (int y = 0; y < wh; y++) System.arraycopy(nchw, (i * h + y1 + y) * w + x1, out, (i * wh + y) * ww, ww);
        return out;
    }
}
