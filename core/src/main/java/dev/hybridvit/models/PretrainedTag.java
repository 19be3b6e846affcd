package dev.hybridvit.models;

import java.util.Locale;

/**
 * A released set of weights, named as timm names them ({@code model.tag}, e.g.
 * {@code nextvit_small.bd_in1k}): the registered model it loads into, the input it was evaluated
 * with, the file it is published as and where, its SHA-256 where the publisher gives one (else
 * empty), and the ImageNet-1k top-1 the paper or repository reports. Nothing is downloaded: the
 * user fetches the file and names it with {@code --weights}.
 */
public record PretrainedTag(
        String name,
        String model,
        DataConfig data,
        int numClasses,
        String fileName,
        String url,
        String sha256,
        double top1,
        String source) {
    public PretrainedTag {
        if (!sha256.isEmpty() && !sha256.matches("[0-9a-f]{64}"))
            throw new IllegalArgumentException(name + ": SHA-256 must be 64 lower-case hex digits");
    }

    /** The registered model with this tag's input as its defaults. */
    public ModelSpec spec() {
        return ModelRegistry.get(model).withData(data);
    }

    /** One line for listings. */
    public String summary() {
        return String.format(
                Locale.ROOT,
                "%s: %s, %d px, crop %s, %s; top-1 %.1f%%; %s (%s)",
                name,
                model,
                data.imageSize(),
                data.cropPct(),
                data.interpolation(),
                top1,
                fileName.isEmpty() ? "file as downloaded" : fileName,
                url);
    }
}
