package dev.hybridvit.models;

/**
 * How to build a registered variant: classes, input size (0 = the variant's native size) and an
 * optional stochastic-depth override (negative = the variant's own rate).
 *
 * <p>{@code numClasses = 0} builds the headless backbone of dense prediction (timm's
 * {@code num_classes=0}, no classifier allocated); {@code extraNorms} adds the norms the family's
 * official dense backbone puts on each stage output (Next-ViT's {@code extra_norm_list} and
 * {@code norm}).
 *
 * <p>{@code frozenStages} and {@code normEval} are the official dense backbone's training
 * switches ({@code segmentation/nextvit.py}): with {@code frozenStages = k > 0} the stem and
 * stages 1…k get no gradients and stay in eval mode; with {@code normEval} every BatchNorm of the
 * backbone keeps its running statistics while training. They act on a headless backbone; a
 * Semantic FPN hands them to its backbone.
 */
public record ModelOptions(
        int numClasses, int imageSize, double dropPath, boolean extraNorms, int frozenStages, boolean normEval) {
    public ModelOptions {
        if (extraNorms && numClasses != 0)
            throw new IllegalArgumentException("extra norms belong to the headless backbone (num-classes 0)");
        if (frozenStages < 0)
            throw new IllegalArgumentException("frozen-stages must be 0 (none) or more, got " + frozenStages);
    }

    public ModelOptions(int numClasses, int imageSize, double dropPath, boolean extraNorms) {
        this(numClasses, imageSize, dropPath, extraNorms, 0, false);
    }

    public ModelOptions(int numClasses, int imageSize, double dropPath) {
        this(numClasses, imageSize, dropPath, false);
    }

    public static ModelOptions defaults() {
        return new ModelOptions(1000, 0, -1);
    }

    /** The backbone without a classifier, optionally with the dense backbone's per-stage output norms. */
    public ModelOptions headless(boolean withExtraNorms) {
        return new ModelOptions(0, imageSize, dropPath, withExtraNorms, frozenStages, normEval);
    }

    public boolean isHeadless() {
        return numClasses == 0;
    }

    public ModelOptions withNumClasses(int n) {
        if (n < 1) throw new IllegalArgumentException("num-classes must be at least 1, got " + n);
        return new ModelOptions(n, imageSize, dropPath, false, frozenStages, normEval);
    }

    public ModelOptions withImageSize(int n) {
        if (n < 0) throw new IllegalArgumentException("image size must be positive, got " + n);
        return new ModelOptions(numClasses, n, dropPath, extraNorms, frozenStages, normEval);
    }

    public ModelOptions withDropPath(double r) {
        return new ModelOptions(numClasses, imageSize, r, extraNorms, frozenStages, normEval);
    }

    /** Freezes the stem and the first {@code k} stages (0: none), as mmseg's {@code frozen_stages}. */
    public ModelOptions withFrozenStages(int k) {
        return new ModelOptions(numClasses, imageSize, dropPath, extraNorms, k, normEval);
    }

    /** Keeps the backbone's BatchNorms in eval mode while training, as mmseg's {@code norm_eval}. */
    public ModelOptions withNormEval(boolean on) {
        return new ModelOptions(numClasses, imageSize, dropPath, extraNorms, frozenStages, on);
    }

    public int imageSize(ModelSpec spec) {
        return imageSize > 0 ? imageSize : spec.defaultImageSize();
    }

    public double dropPath(double variantDefault) {
        return dropPath >= 0 ? dropPath : variantDefault;
    }
}
