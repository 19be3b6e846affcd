package dev.hybridvit.models.cmt;

import ai.djl.ndarray.NDArray;
import dev.hybridvit.deploy.onnx.OnnxGraph;
import dev.hybridvit.deploy.onnx.OnnxOp;
import dev.hybridvit.nn.Activation;
import dev.hybridvit.nn.BatchNorm;
import dev.hybridvit.nn.BatchNormFold;
import dev.hybridvit.nn.OnnxForms;
import dev.hybridvit.nn.Conv2d;
import dev.hybridvit.nn.Init;
import dev.hybridvit.nn.Module;
import dev.hybridvit.nn.Sequential;

import java.util.List;

/**
 * IRFFN (inverted residual feed-forward network, CMT §3.2): 1×1 expansion conv → GELU → BN
 * ({@code conv1.0/.1/.2}), a 3×3 depthwise conv with its own skip ({@code proj}), GELU → BN
 * ({@code proj_act}, {@code proj_bn}), 1×1 projection conv → BN ({@code conv2.0/.1}). Note the BN
 * <em>after</em> each GELU, as in the official code. Its dropout is 0 in every CMT and omitted.
 */
final class InvertedResidualFFN extends Module {
    private final Sequential conv1;
    private final Conv2d proj;
    private final Activation projAct;
    private final BatchNorm projBn;
    private final Sequential conv2;

    InvertedResidualFFN(int dim, int hidden) {
        conv1 = register("conv1", new Sequential(
                new Conv2d(dim, hidden, 1, 1, 0, 1, true, Init.kaimingNormalFanOut()),
                Activation.gelu(),
                new BatchNorm(hidden)));
        proj = register("proj", new Conv2d(hidden, hidden, 3, 1, 1, hidden, true, Init.kaimingNormalFanOut()));
        projAct = register("proj_act", Activation.gelu());
        projBn = register("proj_bn", new BatchNorm(hidden));
        conv2 = register("conv2", new Sequential(
                new Conv2d(hidden, dim, 1, 1, 0, 1, true, Init.kaimingNormalFanOut()),
                new BatchNorm(dim)));
    }

    /** B×C×H×W → B×C×H×W. */
    @Override
    public NDArray forward(NDArray x) {
        NDArray y = conv1.forward(x);
        y = proj.forward(y).add(y);
        y = projBn.forward(projAct.forward(y));
        return conv2.forward(y);
    }

    /**
     * ONNX form. In the deploy form the depthwise conv's skip is folded into its centre tap, the BN
     * after the depthwise stage's GELU ({@code proj_bn}) into the following 1×1 conv (exact: a 1×1
     * conv has no padding), and that conv's own BN ({@code conv2.1}) into it as well. The BN after
     * the first GELU stays: the depthwise 3×3 conv it feeds zero-pads, so folding it needs a
     * constant C×H×W bias map for the border — tried; it made CMT-S's file 27% larger and measured
     * no faster.
     */
    @Override
    public String toOnnx(OnnxGraph g, String x) {
        String s = g.scopeOf(this);
        String y = conv1.toOnnx(g, x);
        y = g.foldBatchNorm() ? OnnxForms.convPlusInput(g, proj, y) : g.add(OnnxOp.ADD, s + "/dw_residual", List.of(proj.toOnnx(g, y), y));
        y = projAct.toOnnx(g, y);
        Conv2d pw = (Conv2d) conv2.get(0);
        BatchNorm bn = (BatchNorm) conv2.get(1);
        if (!g.foldBatchNorm()) return bn.toOnnx(g, pw.toOnnx(g, projBn.toOnnx(g, y)));
        float[] b = pw.bias() == null ? null : pw.bias().value().toFloatArray();
        float[][] pre = BatchNormFold.foldBefore(pw.weight().value().toFloatArray(), b, pw.out, projBn.affine());
        float[][] both = BatchNormFold.foldAfter(pre[0], pre[1], pw.out, bn.affine());
        return OnnxForms.conv(g, pw, y, both[0], both[1], g.scopeOf(pw) + "_bn_folded");
    }

    /** Tokens B×N×C on an h×w grid → B×N×C. */
    NDArray forward(NDArray tokens, long h, long w) {
        var s = tokens.getShape();
        long b = s.get(0), c = s.get(2);
        NDArray y = forward(tokens.transpose(0, 2, 1).reshape(b, c, h, w));
        return y.reshape(b, c, h * w).transpose(0, 2, 1);
    }
}
