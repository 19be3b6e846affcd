package dev.hybridvit.cli;

import dev.hybridvit.models.ModelSpec;

/** The checks that `run --features` and `export --features` share on their dense-prediction flags. */
final class FeatureFlags {
    private FeatureFlags() {}

    /**
     * {@code --out-indices} and {@code --extra-norms} only go with {@code --features}, and only
     * Next-ViT's dense backbone has extra norms. {@code spec} may be null without {@code --features}.
     */
    static void check(ModelSpec spec, boolean features, int[] outIndices, boolean extraNorms) {
        if (!features && (outIndices != null || extraNorms))
            throw new IllegalArgumentException("--out-indices and --extra-norms go with --features");
        if (extraNorms && !spec.family().equals("nextvit")) {
            throw new IllegalArgumentException("--extra-norms: only Next-ViT's dense backbone has extra norms, "
                    + spec.name() + " is " + spec.family());
        }
    }
}
