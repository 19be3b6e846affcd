package dev.hybridvit.models;

/**
 * How to build a registered variant: classes, input size (0 = the variant's native size) and an
 * optional stochastic-depth override (negative = the variant's own rate).
 *
 * <p>{@code numClasses = 0} builds the headless backbone of dense prediction (timm's
 * {@code num_classes=0}, no classifier allocated); {@code extraNorms} adds the norms the family's
 * official dense backbone puts on each stage output (Next-ViT's {@code extra_norm_list} and
 * {@code norm}).
 */
public record ModelOptions(int numClasses, int imageSize, double dropPath, boolean extraNorms) {
    public ModelOptions {
        if (extraNorms && numClasses != 0)
            throw new IllegalArgumentException("extra norms belong to the headless backbone (num-classes 0)");
    }

    public ModelOptions(int numClasses, int imageSize, double dropPath) {
        this(numClasses, imageSize, dropPath, false);
    }

    public static ModelOptions defaults() {
        return new ModelOptions(1000, 0, -1);
    }

    /** The backbone without a classifier, optionally with the dense backbone's per-stage output norms. */
    public ModelOptions headless(boolean withExtraNorms) {
        return new ModelOptions(0, imageSize, dropPath, withExtraNorms);
    }

    public boolean isHeadless() {
        return numClasses == 0;
    }

    public ModelOptions withNumClasses(int n) {
        if (n < 1) throw new IllegalArgumentException("num-classes must be at least 1, got " + n);
        return new ModelOptions(n, imageSize, dropPath, false);
    }

    public ModelOptions withImageSize(int n) {
        if (n < 0) throw new IllegalArgumentException("image size must be positive, got " + n);
        return new ModelOptions(numClasses, n, dropPath, extraNorms);
    }

    public ModelOptions withDropPath(double r) {
        return new ModelOptions(numClasses, imageSize, r, extraNorms);
    }

    public int imageSize(ModelSpec spec) {
        return imageSize > 0 ? imageSize : spec.defaultImageSize();
    }

    public double dropPath(double variantDefault) {
        return dropPath >= 0 ? dropPath : variantDefault;
    }
}
