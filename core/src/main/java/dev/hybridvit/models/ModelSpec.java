package dev.hybridvit.models;

import java.util.function.BiFunction;

/**
 * A registry entry: the model name users type, its family, native resolution, preprocessing
 * (ImageNet mean/std, crop fraction) and the factory that builds it from options. Variants are
 * data: the factory closes over a configuration record.
 */
public record ModelSpec(
        String name,
        String family,
        String description,
        int defaultImageSize,
        double cropPct,
        BiFunction<ModelSpec, ModelOptions, VisionModel> factory) {
    public static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};
    public static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};

    /** An un-materialised model (architecture only: names, shapes, counts). */
    public VisionModel architecture(ModelOptions options) {
        return factory.apply(this, options);
    }

    /** A model with freshly initialised weights, in eval mode. */
    public VisionModel create(ModelOptions options, long seed) {
        return architecture(options).build(seed);
    }
}
