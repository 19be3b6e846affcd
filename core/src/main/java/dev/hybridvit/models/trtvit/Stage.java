package dev.hybridvit.models.trtvit;

import dev.hybridvit.deploy.onnx.OnnxGraph;

import ai.djl.ndarray.NDArray;
import dev.hybridvit.nn.Module;
import dev.hybridvit.nn.Sequential;

/** One stage: its blocks under {@code blocks.0 … blocks.n-1}; the first one carries the stride. */
final class Stage extends Module {
    final TRTViTConfig.Kind kind;
    final Sequential blocks;

    Stage(TRTViTConfig.Kind kind) {
        this.kind = kind;
        this.blocks = register("blocks", new Sequential());
    }

    @Override
    public NDArray forward(NDArray x) {
        return blocks.forward(x);
    }

    @Override
    public String toOnnx(OnnxGraph g, String x) {
        return blocks.toOnnx(g, x);
    }
}
