package dev.hybridvit.models.cmt;

import java.util.Arrays;
import java.util.List;

/**
 * A CMT variant as data (official {@code cmt_pytorch/cmt.py}): native (training) resolution, stem
 * width, per-stage widths C, depths, heads and key/value reduction ratios k, the IRFFN expansion
 * ratio R (hidden = int(C·R)), the width of the 1×1 head conv, head dropout and the stochastic
 * depth rate used in training (the class default is 0; it only matters in training mode).
 *
 * <p>The components the paper ablates (CMT Table 6) are fields too: {@code convStem} (false: no
 * stem, the first patch embedding a 4×4 stride-4 conv on the image, as PVT/DeiT-style models),
 * {@code lpu} (the Local Perception Unit), {@code ffn} (IRFFN or a plain FFN) and {@code srRatios}
 * (LMHSA's k).
 */
public record CMTConfig(
        String name,
        int imageSize,
        int stemChannels,
        int[] dims,
        int[] depths,
        int[] heads,
        double mlpRatio,
        int[] srRatios,
        int fcDim,
        double headDropout,
        double pathDropout,
        boolean convStem,
        boolean lpu,
        Ffn ffn) {
    /** The feed-forward network of a CMT block. */
    public enum Ffn {
        /** The inverted residual FFN (official): expansion, 3×3 depthwise conv with skip, projection. */
        IRFFN,
        /** A plain Transformer FFN: 1×1 expansion → GELU → 1×1 projection, as ViT/DeiT. */
        MLP
    }

    public static final int[] HEADS = {1, 2, 4, 8};
    public static final int[] SR_RATIOS = {8, 4, 2, 1};
    public static final int FC_DIM = 1280;
    /** The input must tile into the stride-32 grid of stage d, which also makes every k×k reduction exact. */
    public static final int SIZE_DIVISOR = 32;

    public static final CMTConfig TI =
            released("cmt_ti", 160, 16, new int[] {46, 92, 184, 368}, new int[] {2, 2, 10, 2}, 3.6, 0.1, 0.1);
    public static final CMTConfig XS =
            released("cmt_xs", 192, 16, new int[] {52, 104, 208, 416}, new int[] {3, 3, 12, 3}, 3.77, 0.1, 0.08);
    public static final CMTConfig S =
            released("cmt_s", 224, 32, new int[] {64, 128, 256, 512}, new int[] {3, 3, 16, 3}, 4, 0.1, 0.1);
    public static final CMTConfig B =
            released("cmt_b", 256, 38, new int[] {76, 152, 304, 608}, new int[] {4, 4, 20, 4}, 4, 0.3, 0.25);
    /** The official, hand-rounded tables. */
    public static final List<CMTConfig> RELEASED = List.of(TI, XS, S, B);

    /** A variant with every component of the official model (conv stem, LPU, IRFFN). */
    public CMTConfig(
            String name,
            int imageSize,
            int stemChannels,
            int[] dims,
            int[] depths,
            int[] heads,
            double mlpRatio,
            int[] srRatios,
            int fcDim,
            double headDropout,
            double pathDropout) {
        this(
                name,
                imageSize,
                stemChannels,
                dims,
                depths,
                heads,
                mlpRatio,
                srRatios,
                fcDim,
                headDropout,
                pathDropout,
                true,
                true,
                Ffn.IRFFN);
    }

    public CMTConfig {
        if (ffn == null) throw new IllegalArgumentException(name + ": ffn is required (IRFFN or MLP)");
        if (dims.length != 4 || depths.length != 4 || heads.length != 4 || srRatios.length != 4) {
            throw new IllegalArgumentException("CMT needs 4 stage widths, depths, head counts and reduction ratios");
        }
        for (int s = 0; s < 4; s++) {
            if (depths[s] < 1) throw new IllegalArgumentException("stage " + s + " depth must be at least 1");
            if (dims[s] % heads[s] != 0) {
                throw new IllegalArgumentException(
                        "stage " + s + " width " + dims[s] + " is not divisible by " + heads[s] + " heads");
            }
        }
        checkImageSize(name, imageSize);
        dims = dims.clone();
        depths = depths.clone();
        heads = heads.clone();
        srRatios = srRatios.clone();
    }

    private static CMTConfig released(
            String name,
            int size,
            int stem,
            int[] dims,
            int[] depths,
            double ratio,
            double headDropout,
            double pathDropout) {
        return new CMTConfig(name, size, stem, dims, depths, HEADS, ratio, SR_RATIOS, FC_DIM, headDropout, pathDropout);
    }

    // Arrays are copied in and out, as in every variant record: a variant never changes once built.
    @Override
    public int[] dims() {
        return dims.clone();
    }

    @Override
    public int[] depths() {
        return depths.clone();
    }

    @Override
    public int[] heads() {
        return heads.clone();
    }

    @Override
    public int[] srRatios() {
        return srRatios.clone();
    }

    public int dim(int stage) {
        return dims[stage];
    }

    public int depth(int stage) {
        return depths[stage];
    }

    public int heads(int stage) {
        return heads[stage];
    }

    public int srRatio(int stage) {
        return srRatios[stage];
    }

    /** IRFFN hidden width of stage s: Python's {@code int(dim * mlp_ratio)} (truncation). */
    public int hidden(int stage) {
        return (int) (dims[stage] * mlpRatio);
    }

    public int totalDepth() {
        return depths[0] + depths[1] + depths[2] + depths[3];
    }

    /** Side of stage s's token grid at input size n: n / 2^(s+2). */
    public static int grid(int imageSize, int stage) {
        return imageSize >> (stage + 2);
    }

    /** Side of stage s's key/value grid after the k×k stride-k reduction. */
    public int keyGrid(int imageSize, int stage) {
        return grid(imageSize, stage) / srRatios[stage];
    }

    static void checkImageSize(String model, int n) {
        if (n < SIZE_DIVISOR || n % SIZE_DIVISOR != 0) {
            throw new IllegalArgumentException(String.format(
                    "%s needs an input size that is a positive multiple of %d (four 2×2 patch embeddings after a "
                            + "stride-2 stem, and whole k×k key/value reductions), got %d",
                    model, SIZE_DIVISOR, n));
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CMTConfig c
                && name.equals(c.name)
                && imageSize == c.imageSize
                && stemChannels == c.stemChannels
                && Arrays.equals(dims, c.dims)
                && Arrays.equals(depths, c.depths)
                && Arrays.equals(heads, c.heads)
                && mlpRatio == c.mlpRatio
                && Arrays.equals(srRatios, c.srRatios)
                && fcDim == c.fcDim
                && headDropout == c.headDropout
                && pathDropout == c.pathDropout
                && convStem == c.convStem
                && lpu == c.lpu
                && ffn == c.ffn;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(dims) * 17 + Arrays.hashCode(depths);
    }

    @Override
    public String toString() {
        return String.format(
                "%s(%d px, stem %s, dims %s, depths %s, heads %s, R %s, k %s, LPU %s, %s)",
                name,
                imageSize,
                convStem ? String.valueOf(stemChannels) : "none",
                Arrays.toString(dims),
                Arrays.toString(depths),
                Arrays.toString(heads),
                mlpRatio,
                Arrays.toString(srRatios),
                lpu ? "on" : "off",
                ffn);
    }
}
