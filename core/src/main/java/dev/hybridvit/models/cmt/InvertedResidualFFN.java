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
import dev.hybridvit.nn.LayerNorm;
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

    @Override
    public String toOnnx(OnnxGraph g, String x) {
        return toOnnx(g, x, null);
    }

    /**
     * ONNX form; {@code preAffine}: a LayerNorm's γ, β still to be applied to {@code x} (deploy
     * form only, see {@link LayerNorm#normalizeOnnx}), or null.
     */
    String toOnnx(OnnxGraph g, String x, double[][] preAffine) {
        if (g.foldBatchNorm()) return deployOnnx(g, x, preAffine);
        if (preAffine != null) throw new IllegalArgumentException("a pre-norm affine is folded only in the deploy form");
        String y = conv1.toOnnx(g, x);
        y = g.add(OnnxOp.ADD, g.scopeOf(this) + "/dw_residual", List.of(proj.toOnnx(g, y), y));
        Conv2d pw = (Conv2d) conv2.get(0);
        BatchNorm bn = (BatchNorm) conv2.get(1);
        return bn.toOnnx(g, pw.toOnnx(g, projBn.toOnnx(g, projAct.toOnnx(g, y))));
    }

    /**
     * The deploy form, with identical numerics up to float rounding: the preceding LayerNorm's γ, β
     * folded into the expansion conv; the depthwise conv's skip into its centre tap; the BN after
     * the depthwise stage's GELU ({@code proj_bn}) and the projection's own BN into the projection
     * conv (exact: a 1×1 conv has no padding). The BN after the first GELU stays a node: the 3×3
     * conv it feeds zero-pads, so folding it needs a constant C×H×W bias map for the border —
     * tried; CMT-S's file grew 27% and ran no faster. The hidden width is zero-padded to whole
     * NCHWc blocks ({@link OnnxForms#nchwcChannels}; CMT-Ti's 3.6× widths are not): the extra
     * channels stay exactly 0 through GELU, BN and the depthwise conv, and the projection ignores them.
     */
    private String deployOnnx(OnnxGraph g, String x, double[][] preAffine) {
        Conv2d expand = (Conv2d) conv1.get(0), pw = (Conv2d) conv2.get(0);
        BatchNorm expandBn = (BatchNorm) conv1.get(2), bn = (BatchNorm) conv2.get(1);
        int dim = expand.in, hidden = expand.out, padded = OnnxForms.nchwcChannels(hidden);
        int stream = (int) g.shape(x)[1]; // > dim on a zero-padded residual stream (see CMT#stageOnnx)

        float[][] e = expand.hostWeights(preAffine);
        float[] b = e[1] == null ? new float[hidden] : e[1];
        float[] expandWeight = OnnxForms.padInputs(OnnxForms.padOutputs(e[0], hidden, padded), padded, dim, stream);
        String y = OnnxForms.conv(g, expand, x, expandWeight, OnnxForms.padOutputs(b, hidden, padded),
                g.scopeOf(expand) + "_deploy", stream, padded);
        y = expandBn.toOnnxPadded(g, conv1.get(1).toOnnx(g, y), padded);

        float[][] d = proj.hostWeights(null);
        float[] dw = OnnxForms.plusIdentity(proj, d[0]);
        float[] dwBias = d[1] == null ? new float[hidden] : d[1];
        y = OnnxForms.conv(g, proj, y, OnnxForms.padOutputs(dw, hidden, padded), OnnxForms.padOutputs(dwBias, hidden, padded),
                g.scopeOf(proj) + "_skip_folded", padded, padded);
        y = projAct.toOnnx(g, y);

        float[][] pre = pw.hostWeights(projBn.affine());
        float[][] both = BatchNormFold.foldAfter(pre[0], pre[1], pw.out, bn.affine());
        return OnnxForms.conv(g, pw, y, OnnxForms.padOutputs(OnnxForms.padInputs(both[0], dim, hidden, padded), dim, stream),
                OnnxForms.padOutputs(both[1], dim, stream), g.scopeOf(pw) + "_bn_folded", padded, stream);
    }

    /** Tokens B×N×C on an h×w grid → B×N×C. */
    NDArray forward(NDArray tokens, long h, long w) {
        var s = tokens.getShape();
        long b = s.get(0), c = s.get(2);
        NDArray y = forward(tokens.transpose(0, 2, 1).reshape(b, c, h, w));
        return y.reshape(b, c, h * w).transpose(0, 2, 1);
    }
}
