package dev.hybridvit.models.nextvit;

import ai.djl.ndarray.NDArray;
import dev.hybridvit.deploy.onnx.OnnxGraph;
import dev.hybridvit.nn.OnnxForms;
import dev.hybridvit.nn.Activation;
import dev.hybridvit.nn.BatchNorm;
import dev.hybridvit.nn.Conv2d;
import dev.hybridvit.nn.Module;

/** Stem unit: 3×3 conv (padding 1, no bias) → BN → ReLU; keys {@code conv}, {@code norm}. */
final class ConvBNReLU extends Module {
    private final Conv2d conv;
    private final BatchNorm norm;
    private final Activation act;

    ConvBNReLU(int in, int out, int stride, NextViTConfig.ConvInit init) {
        conv = register("conv", new Conv2d(in, out, 3, stride, 1, 1, false, init.of(1)));
        norm = register("norm", new BatchNorm(out));
        act = register("act", Activation.relu());
    }

    @Override
    public NDArray forward(NDArray x) {
        return act.forward(norm.forward(conv.forward(x)));
    }

    @Override
    public String toOnnx(OnnxGraph g, String x) {
        return act.toOnnx(g, OnnxForms.convBn(g, conv, norm, x));
    }
}
