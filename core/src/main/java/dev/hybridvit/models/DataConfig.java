package dev.hybridvit.models;

import java.util.Arrays;
import java.util.Locale;
import java.util.Set;

/**
 * The evaluation input a classifier's weights expect, as timm's {@code pretrained_cfg} keeps it:
 * input size, centre-crop fraction ({@code crop_pct}: the shorter side is resized to
 * {@code imageSize / cropPct} before the crop), resampling filter and per-channel normalisation.
 */
public record DataConfig(int imageSize, double cropPct, String interpolation, float[] mean, float[] std) {
    public static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};
    public static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};
    /** The resampling filters of PIL's {@code Image.resize} that the image path implements. */
    public static final Set<String> INTERPOLATIONS = Set.of("bicubic", "bilinear", "nearest");

    public DataConfig {
        if (imageSize < 1) throw new IllegalArgumentException("image size must be positive, got " + imageSize);
        if (!(cropPct > 0 && cropPct <= 1))
            throw new IllegalArgumentException("crop fraction must be in (0, 1], got " + cropPct);
        if (!INTERPOLATIONS.contains(interpolation))
            throw new IllegalArgumentException(
                    "interpolation must be one of bicubic, bilinear, nearest, got '" + interpolation + "'");
        if (mean.length != 3 || std.length != 3) throw new IllegalArgumentException("mean and std need 3 values (RGB)");
        mean = mean.clone();
        std = std.clone();
    }

    /** Bicubic resampling and ImageNet mean/std, the convention of every family registered here. */
    public static DataConfig imagenet(int imageSize, double cropPct) {
        return new DataConfig(imageSize, cropPct, "bicubic", IMAGENET_MEAN, IMAGENET_STD);
    }

    public DataConfig withImageSize(int size) {
        return new DataConfig(size, cropPct, interpolation, mean, std);
    }

    public DataConfig withCropPct(double crop) {
        return new DataConfig(imageSize, crop, interpolation, mean, std);
    }

    @Override
    public float[] mean() {
        return mean.clone();
    }

    @Override
    public float[] std() {
        return std.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DataConfig d
                && d.imageSize == imageSize
                && d.cropPct == cropPct
                && d.interpolation.equals(interpolation)
                && Arrays.equals(d.mean, mean)
                && Arrays.equals(d.std, std);
    }

    @Override
    public int hashCode() {
        return 31 * Double.hashCode(cropPct) + imageSize + interpolation.hashCode();
    }

    /** As timm prints it: {@code 224 px, crop 0.95, bicubic, mean [..], std [..]}. */
    @Override
    public String toString() {
        return String.format(
                Locale.ROOT,
                "%d px, crop %s, %s, mean %s, std %s",
                imageSize,
                cropPct,
                interpolation,
                Arrays.toString(mean),
                Arrays.toString(std));
    }
}
