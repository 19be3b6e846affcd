package dev.hybridvit.models.trtvit;

import dev.hybridvit.deploy.onnx.OnnxGraph;

import ai.djl.ndarray.NDArray;
import dev.hybridvit.nn.Activation;
import dev.hybridvit.nn.Linear;
import dev.hybridvit.nn.Module;

/** Transformer MLP on tokens: {@code fc1} (C→3C) → GELU (erf) → {@code fc2} (3C→C), both with bias. */
final class TokenMlp extends Module {
    private final Linear fc1, fc2;
    private final Activation act;

    TokenMlp(int dim, int hidden) {
        fc1 = register("fc1", new Linear(dim, hidden, true));
        act = register("act", Activation.gelu());
        fc2 = register("fc2", new Linear(hidden, dim, true));
    }

    @Override
    public NDArray forward(NDArray x) {
        return fc2.forward(act.forward(fc1.forward(x)));
    }

    @Override
    public String toOnnx(OnnxGraph g, String x) {
        return toOnnx(g, x, null);
    }

    /** ONNX form with a pending LayerNorm γ, β (deploy form) folded into {@code fc1}; null for none. */
    String toOnnx(OnnxGraph g, String x, double[][] preAffine) {
        return fc2.toOnnx(g, act.toOnnx(g, fc1.toOnnx(g, x, 1.0, preAffine)));
    }
}
