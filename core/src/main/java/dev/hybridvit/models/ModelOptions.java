package dev.hybridvit.models;

/**
 * How to build a registered variant: classes, input size (0 = the variant's native size) and an
 * optional stochastic-depth override (negative = the variant's own rate).
 */
public record ModelOptions(int numClasses, int imageSize, double dropPath) {
    public static ModelOptions defaults() {
        return new ModelOptions(1000, 0, -1);
    }

    public ModelOptions withNumClasses(int n) {
        if (n < 1) throw new IllegalArgumentException("num-classes must be at least 1, got " + n);
        return new ModelOptions(n, imageSize, dropPath);
    }

    public ModelOptions withImageSize(int n) {
        if (n < 0) throw new IllegalArgumentException("image size must be positive, got " + n);
        return new ModelOptions(numClasses, n, dropPath);
    }

    public ModelOptions withDropPath(double r) {
        return new ModelOptions(numClasses, imageSize, r);
    }

    public int imageSize(ModelSpec spec) {
        return imageSize > 0 ? imageSize : spec.defaultImageSize();
    }

    public double dropPath(double variantDefault) {
        return dropPath >= 0 ? dropPath : variantDefault;
    }
}
