package dev.hybridvit.nn;

import ai.djl.ndarray.NDArray;

/**
 * Next-ViT's patch embedding, shared with the TRT-ViT reconstruction: stride 2 → 2×2 average pool
 * (ceil mode, padding not counted), then 1×1 conv (no bias) + BN; stride 1 with a width change →
 * 1×1 conv + BN; otherwise an identity with no keys. Keys {@code avgpool} (no parameters),
 * {@code conv}, {@code norm}.
 */
public final class PatchEmbed extends Module implements Reparameterizable {
    /** Null where absent (see the class comment). */
    public final AvgPool2d avgpool;

    public final Conv2d conv;
    public final BatchNorm norm;

    /** With the trunc-normal(.02) conv init of the official Next-ViT code. */
    public PatchEmbed(int in, int out, int stride) {
        this(in, out, stride, Init.TRUNC_NORMAL_02);
    }

    public PatchEmbed(int in, int out, int stride, Init convInit) {
        if (stride != 1 && stride != 2)
            throw new IllegalArgumentException("patch embed stride must be 1 or 2, got " + stride);
        avgpool = stride == 2 ? register("avgpool", new AvgPool2d(2, 2)) : null;
        boolean project = stride == 2 || in != out;
        conv = project ? register("conv", new Conv2d(in, out, 1, 1, 0, 1, false, convInit)) : null;
        norm = project ? register("norm", new BatchNorm(out)) : null;
    }

    /** True when the input passes through unchanged (no keys). */
    public boolean isIdentity() {
        return conv == null;
    }

    @Override
    public NDArray forward(NDArray x) {
        if (avgpool != null) x = avgpool.forward(x);
        return conv == null ? x : norm.forward(conv.forward(x));
    }

    @Override
    public void reparameterize() {
        if (norm != null) norm.foldInto(conv);
    }
}
