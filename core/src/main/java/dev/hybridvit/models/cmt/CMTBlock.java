package dev.hybridvit.models.cmt;

import ai.djl.ndarray.NDArray;
import dev.hybridvit.deploy.onnx.OnnxGraph;
import dev.hybridvit.deploy.onnx.OnnxOp;
import dev.hybridvit.nn.Conv2d;
import dev.hybridvit.nn.DropPath;
import dev.hybridvit.nn.Init;
import dev.hybridvit.nn.LayerNorm;
import dev.hybridvit.nn.Module;
import dev.hybridvit.nn.OnnxForms;

import java.util.List;
import java.util.function.Supplier;

/**
 * The CMT block (CMT §3.2): Local Perception Unit x ← DWConv3×3(x) + x (key {@code proj},
 * registered last as in the official code but applied first), then x ← x + LMHSA(LN(x)) and
 * x ← x + IRFFN(LN(x)), both LayerNorms with eps 1e-6 and one stochastic-depth module shared by
 * the two residual branches. Takes and returns B×C×H×W; attention and norms run on the B×N×C
 * raster-order tokens in between.
 */
final class CMTBlock extends Module {
    static final double EPS = 1e-6;
    private final LayerNorm norm1;
    final LightweightAttention attn;
    private final DropPath dropPath;
    private final LayerNorm norm2;
    private final InvertedResidualFFN mlp;
    private final Conv2d lpu;

    CMTBlock(int dim, int heads, double mlpRatio, int srRatio, double dropPath, Supplier<NDArray> relativePos) {
        norm1 = register("norm1", new LayerNorm(dim, EPS));
        attn = register("attn", new LightweightAttention(dim, heads, srRatio, relativePos));
        this.dropPath = register("drop_path", new DropPath(dropPath));
        norm2 = register("norm2", new LayerNorm(dim, EPS));
        mlp = register("mlp", new InvertedResidualFFN(dim, (int) (dim * mlpRatio)));
        lpu = register("proj", new Conv2d(dim, dim, 3, 1, 1, dim, true, Init.kaimingNormalFanOut()));
    }

    @Override
    public NDArray forward(NDArray x) {
        var s = x.getShape();
        long b = s.get(0), c = s.get(1), h = s.get(2), w = s.get(3);
        x = lpu.forward(x).add(x);
        NDArray t = x.reshape(b, c, h * w).transpose(0, 2, 1);
        t = t.add(dropPath.forward(attn.forward(norm1.forward(t), h, w)));
        t = t.add(dropPath.forward(mlp.forward(norm2.forward(t), h, w)));
        return t.transpose(0, 2, 1).reshape(b, c, h, w);
    }

    /**
     * The plain ONNX form, step by step as in {@link #forward}: the residual stream in tokens; the
     * LPU and the IRFFN (map-to-map networks) see it as a map through
     * {@link OnnxForms#map}/{@link OnnxForms#tokens}, whose Transposes ORT folds into its NCHWc
     * reorders. The deploy form is {@link #deployOnnx}.
     */
    @Override
    public String toOnnx(OnnxGraph g, String x) {
        String s = g.scopeOf(this);
        long[] shape = g.shape(x);
        long c = shape[1], h = shape[2], w = shape[3];
        if (g.foldBatchNorm()) return deployOnnx(g, x, c, h, w);
        x = g.add(OnnxOp.ADD, s + "/lpu_residual", List.of(lpu.toOnnx(g, x), x));
        String t = OnnxForms.tokens(g, s, x);
        t = g.add(OnnxOp.ADD, s + "/attn_residual", List.of(t, dropPath.toOnnx(g, attn.toOnnx(g, norm1.toOnnx(g, t), h, w))));
        String ffn = OnnxForms.tokens(g, s + "/mlp_out", mlp.toOnnx(g, OnnxForms.map(g, s + "/mlp_in", norm2.toOnnx(g, t), c, h, w)));
        t = g.add(OnnxOp.ADD, s + "/mlp_residual", List.of(t, dropPath.toOnnx(g, ffn)));
        return OnnxForms.map(g, s, t, c, h, w);
    }

    /**
     * The deploy form, equal up to float rounding. The residual stream stays a map, which ORT
     * keeps in its blocked NCHWc layout from block to block; only the LayerNorms and the
     * attention core see tokens. The LPU's skip is folded into its depthwise conv, and each
     * LayerNorm's γ, β into the linear ops after it. Both residual branches end in a 1×1 conv
     * (the attention's projection, the IRFFN's last conv), and ORT fuses each residual Add into
     * that conv's output ({@code NchwcConv} with a sum input). Against session 7's token-stream
     * form: cmt_s −1.4 ms (quartiles −2.0…−0.9), cmt_ti −0.3 ms at batch 1 (interleaved A/B).
     */
    private String deployOnnx(OnnxGraph g, String x, long p, long h, long w) {
        String s = g.scopeOf(this);
        int c = norm1.channels; // p > c on a zero-padded stream (see CMT#stageOnnx): the norms see the first c
        x = OnnxForms.convPlusInput(g, lpu, x);
        LayerNorm.Normalized n1 = norm1.normalizeOnnx(g, OnnxForms.unpadTokens(g, s + "/attn_in", OnnxForms.tokens(g, s + "/attn_in", x), c));
        x = g.add(OnnxOp.ADD, s + "/attn_residual", List.of(dropPath.toOnnx(g, attn.mapOnnx(g, n1.value(), h, w, n1.affine(), p)), x));
        LayerNorm.Normalized n2 = norm2.normalizeOnnx(g, OnnxForms.unpadTokens(g, s + "/mlp_in", OnnxForms.tokens(g, s + "/mlp_in", x), c));
        String ffnIn = OnnxForms.padChannels(g, s + "/mlp_in", n2.value(), 2, p);
        String ffn = mlp.toOnnx(g, OnnxForms.map(g, s + "/mlp_in", ffnIn, p, h, w), n2.affine());
        return g.add(OnnxOp.ADD, s + "/mlp_residual", List.of(dropPath.toOnnx(g, ffn), x));
    }
}
