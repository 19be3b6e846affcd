package dev.hybridvit.data;

import java.util.Locale;

/**
 * A resampling filter of PIL's {@code Image.resize}, named as timm's and torchvision's
 * {@code interpolation}: its kernel and support (the half-width, in input pixels, at scale 1).
 */
public enum Interpolation {
    /** Nearest neighbour (PIL's affine scaling, no filter). */
    NEAREST(0),
    /** Triangle filter, support 1. */
    BILINEAR(1),
    /** Keys' cubic convolution with a = −0.5, support 2. */
    BICUBIC(2);

    private final double support;

    Interpolation(double support) {
        this.support = support;
    }

    double support() {
        return support;
    }

    /** The kernel at {@code x} (in input pixels at scale 1), exactly as PIL's {@code Resample.c} computes it. */
    double kernel(double x) {
        if (x < 0) x = -x;
        return switch (this) {
            case NEAREST -> x <= 0.5 ? 1 : 0;
            case BILINEAR -> x < 1 ? 1 - x : 0;
            case BICUBIC -> {
                double a = -0.5;
                if (x < 1) yield ((a + 2) * x - (a + 3)) * x * x + 1;
                if (x < 2) yield (((x - 5) * x + 8) * x - 4) * a;
                yield 0;
            }
        };
    }

    /** The lower-case name used on the command line, in checkpoints and in model metadata. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code nearest}, {@code bilinear} or {@code bicubic} (case-insensitive). */
    public static Interpolation parse(String name) {
        for (Interpolation i : values()) {
            if (i.id().equalsIgnoreCase(name.trim())) return i;
        }
        throw new IllegalArgumentException(
                "unknown interpolation '" + name + "'; expected nearest, bilinear or bicubic");
    }
}
