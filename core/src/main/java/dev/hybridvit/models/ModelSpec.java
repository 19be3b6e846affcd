package dev.hybridvit.models;

import java.util.function.BiFunction;

/**
 * A registry entry: the model name users type, its family, the architecture it builds (its own name,
 * or for a resolution alias such as {@code nextvit_small_384} the architecture it shares), the
 * default evaluation input ({@link DataConfig}) and the factory that builds it from options.
 * Variants are data: the factory closes over a configuration record.
 */
public record ModelSpec(
        String name,
        String family,
        String description,
        String architectureName,
        DataConfig data,
        BiFunction<ModelSpec, ModelOptions, VisionModel> factory) {
    public static final float[] IMAGENET_MEAN = DataConfig.IMAGENET_MEAN;
    public static final float[] IMAGENET_STD = DataConfig.IMAGENET_STD;

    /** An architecture of its own with bicubic resampling and ImageNet mean/std. */
    public ModelSpec(
            String name,
            String family,
            String description,
            int defaultImageSize,
            double cropPct,
            BiFunction<ModelSpec, ModelOptions, VisionModel> factory) {
        this(name, family, description, name, DataConfig.imagenet(defaultImageSize, cropPct), factory);
    }

    public int defaultImageSize() {
        return data.imageSize();
    }

    public double cropPct() {
        return data.cropPct();
    }

    /** True for a resolution alias: the same architecture (and state dict) as {@link #architectureName()}. */
    public boolean isAlias() {
        return !architectureName.equals(name);
    }

    /** This architecture registered as {@code alias} with another default input (timm's {@code _384} names). */
    public ModelSpec alias(String alias, DataConfig input) {
        return new ModelSpec(
                alias, family, description + ", at " + input.imageSize() + " px", architectureName, input, factory);
    }

    /** The same entry with another default input: what a pretrained tag's weights expect. */
    public ModelSpec withData(DataConfig input) {
        return new ModelSpec(name, family, description, architectureName, input, factory);
    }

    /** An un-materialised model (architecture only: names, shapes, counts). */
    public VisionModel architecture(ModelOptions options) {
        return factory.apply(this, options);
    }

    /** A model with freshly initialised weights, in eval mode. */
    public VisionModel create(ModelOptions options, long seed) {
        return architecture(options).build(seed);
    }
}
