package dev.hybridvit.models.nextvit;

import ai.djl.ndarray.NDArray;
import dev.hybridvit.deploy.onnx.OnnxGraph;
import dev.hybridvit.nn.OnnxForms;
import dev.hybridvit.nn.AvgPool2d;
import dev.hybridvit.nn.BatchNorm;
import dev.hybridvit.nn.Conv2d;
import dev.hybridvit.nn.Module;

/**
 * Next-ViT patch embedding: stride 2 → 2×2 ceil-mode average pool, then 1×1 conv + BN; stride 1
 * with a width change → 1×1 conv + BN; otherwise identity (no keys).
 */
final class PatchEmbed extends Module {
    private final AvgPool2d avgpool;
    private final Conv2d conv;
    private final BatchNorm norm;

    PatchEmbed(int in, int out, int stride) {
        avgpool = stride == 2 ? register("avgpool", new AvgPool2d(2, 2)) : null;
        boolean project = stride == 2 || in != out;
        conv = project ? register("conv", Conv2d.pointwise(in, out, false)) : null;
        norm = project ? register("norm", new BatchNorm(out)) : null;
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
