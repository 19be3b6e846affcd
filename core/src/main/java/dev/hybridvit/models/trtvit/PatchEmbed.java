package dev.hybridvit.models.trtvit;

import dev.hybridvit.deploy.onnx.OnnxGraph;
import dev.hybridvit.nn.OnnxForms;

import ai.djl.ndarray.NDArray;
import dev.hybridvit.nn.AvgPool2d;
import dev.hybridvit.nn.BatchNorm;
import dev.hybridvit.nn.Conv2d;
import dev.hybridvit.nn.Init;
import dev.hybridvit.nn.Module;

/**
 * Channel projection in front of a Transformer: stride 2 → 2×2 average pool (ceil mode, padding
 * not counted), then 1×1 conv (no bias) + BN; stride 1 with a width change → 1×1 conv + BN;
 * otherwise an identity with no keys. Keys {@code conv}, {@code norm}.
 *
 * <p>Reconstruction: the seed/spec say only "1×1 conv + BN, with stride on a stage's first
 * block". The stride is taken as an average pool before the 1×1 conv (the form of the same
 * authors' Next-ViT PatchEmbed, and ResNet-D's shortcut) rather than a strided 1×1 conv, which
 * would discard three quarters of the positions on the path feeding the attention.
 */
final class PatchEmbed extends Module {
    private final AvgPool2d avgpool;
    private final Conv2d conv;
    private final BatchNorm norm;

    PatchEmbed(int in, int out, int stride) {
        if (stride != 1 && stride != 2) throw new IllegalArgumentException("patch embed stride must be 1 or 2, got " + stride);
        avgpool = stride == 2 ? register("avgpool", new AvgPool2d(2, 2)) : null;
        boolean project = stride == 2 || in != out;
        conv = project ? register("conv", new Conv2d(in, out, 1, 1, 0, 1, false, Init.kaimingNormalFanOut(1))) : null;
        norm = project ? register("norm", new BatchNorm(out)) : null;
    }

    boolean isIdentity() {
        return conv == null;
    }

    @Override
    public NDArray forward(NDArray x) {
        if (avgpool != null) x = avgpool.forward(x);
        return conv == null ? x : norm.forward(conv.forward(x));
    }

    @Override
    public String toOnnx(OnnxGraph g, String x) {
        if (avgpool != null) x = avgpool.toOnnx(g, x);
        return conv == null ? x : OnnxForms.convBn(g, conv, norm, x);
    }
}
