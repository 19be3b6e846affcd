package dev.hybridvit.data;

import dev.hybridvit.models.DataConfig;
import dev.hybridvit.models.ModelSpec;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The evaluation preprocessing of an image classifier (timm's {@code resolve_data_config}): resize
 * the shorter side to {@code floor(size / cropPct)} with PIL's filter, centre-crop size×size, scale
 * to [0,1] and normalise per channel with {@code mean}/{@code std}, equal to PIL + torchvision (see
 * {@link ImageFiles#toTensor(java.awt.image.BufferedImage, int, double, Interpolation)}). The one
 * implementation used by prediction in every runtime; it travels with an exported ONNX model as
 * metadata ({@link #metadata()} / {@link #fromMetadata}).
 */
public record Preprocessing(int size, double cropPct, Interpolation interpolation, float[] mean, float[] std) {
    public Preprocessing {
        java.util.Objects.requireNonNull(interpolation, "interpolation");
        if (size < 1) throw new IllegalArgumentException("image size must be positive, got " + size);
        if (!(cropPct > 0 && cropPct <= 1))
            throw new IllegalArgumentException("crop fraction must be in (0, 1], got " + cropPct);
        if (mean.length != 3 || std.length != 3) throw new IllegalArgumentException("mean and std need 3 values (RGB)");
        for (float s : std)
            if (!(s > 0 && Float.isFinite(s)))
                throw new IllegalArgumentException("std values must be positive and finite, got " + s);
        mean = mean.clone();
        std = std.clone();
    }

    /** Bicubic or bilinear resizing. */
    public Preprocessing(int size, double cropPct, boolean bicubic, float[] mean, float[] std) {
        this(size, cropPct, bicubic ? Interpolation.BICUBIC : Interpolation.BILINEAR, mean, std);
    }

    /** Whether the resize is bicubic. */
    public boolean bicubic() {
        return interpolation == Interpolation.BICUBIC;
    }

    /** A model's own preprocessing ({@link ModelSpec#data()}) at input size {@code size}. */
    public static Preprocessing of(ModelSpec spec, int size) {
        return of(spec.data().withImageSize(size));
    }

    /** The preprocessing a data configuration describes. */
    public static Preprocessing of(DataConfig data) {
        return new Preprocessing(
                data.imageSize(), data.cropPct(), Interpolation.parse(data.interpolation()), data.mean(), data.std());
    }

    /**
     * The preprocessing a training run recorded in a project checkpoint's {@code extra} section
     * ({@code crop_pct}, {@code interpolation}), falling back to the model's own.
     */
    public static Preprocessing of(ModelSpec spec, int size, Map<String, Object> trainingExtra) {
        Preprocessing p = of(spec, size);
        if (trainingExtra.get("crop_pct") instanceof Number n) p = p.withCropPct(n.doubleValue());
        if (trainingExtra.get("interpolation") instanceof String s) p = p.withInterpolation(Interpolation.parse(s));
        return p;
    }

    public Preprocessing withCropPct(double c) {
        return new Preprocessing(size, c, interpolation, mean, std);
    }

    public Preprocessing withBicubic(boolean b) {
        return withInterpolation(b ? Interpolation.BICUBIC : Interpolation.BILINEAR);
    }

    public Preprocessing withInterpolation(Interpolation i) {
        return new Preprocessing(size, cropPct, i, mean, std);
    }

    /** The same with another normalisation ({@code --mean}/{@code --std}); 3 values each. */
    public Preprocessing withMeanStd(float[] newMean, float[] newStd) {
        return new Preprocessing(size, cropPct, interpolation, newMean, newStd);
    }

    /** 3×size×size normalised floats for the image in {@code file} (not an image: {@link ImageFiles.UnreadableImageException}). */
    public float[] apply(Path file) throws IOException {
        BufferedImage image = ImageFiles.decode(file);
        try {
            return apply(image);
        } catch (IllegalArgumentException e) { // the resize would exceed the pixel budget (ImageLimits)
            throw new ImageFiles.UnreadableImageException(file, e.getMessage());
        }
    }

    /** 3×size×size normalised floats for a decoded image. */
    public float[] apply(BufferedImage image) {
        float[] x = ImageFiles.toTensor(image, size, cropPct, interpolation);
        int plane = size * size;
        for (int c = 0; c < 3; c++) {
            for (int i = c * plane; i < (c + 1) * plane; i++) x[i] = (x[i] - mean[c]) / std[c];
        }
        return x;
    }

    /** Metadata keys an exported model carries: {@code image_size}, {@code mean}, {@code std}, {@code crop_pct}, {@code interpolation}. */
    public Map<String, String> metadata() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("image_size", Integer.toString(size));
        m.put("mean", floats(mean));
        m.put("std", floats(std));
        m.put("crop_pct", Double.toString(cropPct));
        m.put("interpolation", interpolation.id());
        return m;
    }

    /**
     * Reads {@link #metadata()} back; {@code source} names the file in errors. A missing
     * {@code interpolation} means bicubic, a missing {@code crop_pct} 0.875 (timm's default).
     */
    public static Preprocessing fromMetadata(Map<String, String> meta, String source) {
        try {
            String size = meta.get("image_size");
            if (size == null) throw new IllegalArgumentException("no image_size");
            float[] mean = meta.containsKey("mean") ? parseFloats(meta.get("mean")) : ModelSpec.IMAGENET_MEAN;
            float[] std = meta.containsKey("std") ? parseFloats(meta.get("std")) : ModelSpec.IMAGENET_STD;
            double crop = Double.parseDouble(meta.getOrDefault("crop_pct", "0.875"));
            return new Preprocessing(
                    Integer.parseInt(size.trim()),
                    crop,
                    Interpolation.parse(meta.getOrDefault("interpolation", "bicubic")),
                    mean,
                    std);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                    source + ": unusable preprocessing metadata (" + e.getMessage() + ")", e);
        }
    }

    private static String floats(float[] v) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < v.length; i++) sb.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT, "%s", v[i]));
        return sb.toString();
    }

    private static float[] parseFloats(String s) {
        String[] parts = s.split(",");
        float[] v = new float[parts.length];
        for (int i = 0; i < v.length; i++) v[i] = Float.parseFloat(parts[i].trim());
        return v;
    }
}
