package dev.hybridvit.nn;

import ai.djl.ndarray.NDArray;

/**
 * Resizing of N×C×H×W maps as {@code F.interpolate} does it: nearest (source index ⌊dst·in/out⌋)
 * or bilinear with {@code align_corners=False} and no antialiasing. As a module it is mmseg's
 * {@code Upsample(scale_factor=k)}, whose output size is the input size times k.
 */
public final class Upsample extends Module {
    public enum Mode {
        NEAREST(0),
        BILINEAR(1);

        /** DJL's interpolation code ({@code NDArrayEx.interpolation}: 0 nearest, 1 bilinear, 2 area, 3 bicubic). */
        private final int code;

        Mode(int code) {
            this.code = code;
        }
    }

    public final int scaleFactor;
    public final Mode mode;

    public Upsample(int scaleFactor, Mode mode) {
        this.scaleFactor = scaleFactor;
        this.mode = mode;
    }

    @Override
    public NDArray forward(NDArray x) {
        long[] s = x.getShape().getShape();
        return resize(x, s[2] * scaleFactor, s[3] * scaleFactor, mode);
    }

    /** {@code x} resized to height × width. */
    public static NDArray resize(NDArray x, long height, long width, Mode mode) {
        long[] s = x.getShape().getShape();
        if (s[2] == height && s[3] == width) return x;
        return x.getNDArrayInternal().interpolation(new long[] {height, width}, mode.code, false);
    }
}
