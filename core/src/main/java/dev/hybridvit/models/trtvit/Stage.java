package dev.hybridvit.models.trtvit;

import ai.djl.ndarray.NDArray;
import dev.hybridvit.nn.Module;
import dev.hybridvit.nn.Sequential;

/** One stage: its blocks under {@code blocks.0 … blocks.n-1}; the first one carries the stride. */
public final class Stage extends Module {
    public final TRTViTConfig.Kind kind;
    public final Sequential blocks;

    Stage(TRTViTConfig.Kind kind) {
        this.kind = kind;
        this.blocks = register("blocks", new Sequential());
    }

    @Override
    public NDArray forward(NDArray x) {
        return blocks.forward(x);
    }
}
