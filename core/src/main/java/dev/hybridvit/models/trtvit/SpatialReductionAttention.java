package dev.hybridvit.models.trtvit;

import dev.hybridvit.deploy.onnx.OnnxGraph;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import dev.hybridvit.nn.Attention;
import dev.hybridvit.nn.OnnxForms;
import dev.hybridvit.nn.Conv2d;
import dev.hybridvit.nn.Init;
import dev.hybridvit.nn.LayerNorm;
import dev.hybridvit.nn.Linear;
import dev.hybridvit.nn.Module;

/**
 * PVT-style multi-head self-attention with head dim 32: {@code q} (Linear C→C), {@code kv}
 * (Linear C→2C), {@code proj} (Linear C→C), all with bias, scale 32^-½; with sr &gt; 1 the keys and
 * values come from the map reduced by {@code sr} (an sr×sr stride-sr conv with bias, then
 * LayerNorm: keys {@code sr}, {@code norm}).
 */
final class SpatialReductionAttention extends Module {
    final int heads, sr;
    private final double scale;
    private final Linear q, kv, proj;
    private final Conv2d srConv;
    private final LayerNorm norm;

    SpatialReductionAttention(int dim, int sr) {
        if (dim % TRTViTConfig.HEAD_DIM != 0) {
            throw new IllegalArgumentException("attention width " + dim + " is not a multiple of the head dim " + TRTViTConfig.HEAD_DIM);
        }
        this.heads = dim / TRTViTConfig.HEAD_DIM;
        this.sr = sr;
        this.scale = Math.pow(TRTViTConfig.HEAD_DIM, -0.5);
        q = register("q", new Linear(dim, dim, true));
        kv = register("kv", new Linear(dim, 2 * dim, true));
        srConv = sr > 1 ? register("sr", new Conv2d(dim, dim, sr, sr, 0, 1, true, Init.kaimingNormalFanOut(1))) : null;
        norm = sr > 1 ? register("norm", new LayerNorm(dim, TRTViTConfig.LN_EPS)) : null;
        proj = register("proj", new Linear(dim, dim, true));
    }

    @Override
    public NDArray forward(NDArray x) {
        throw new UnsupportedOperationException("attention needs the map size: call forward(tokens, height, width)");
    }

    /**
     * ONNX form on tokens of an h×w map: d^-½ folded into q, K/V from one MatMul split in two.
     * {@code preAffine}: the block's LayerNorm γ, β still to be applied to {@code x} (deploy form,
     * see {@link LayerNorm#normalizeOnnx}), folded into q and the reduction conv (exact: it does
     * not pad) or, without one, into kv; null when already applied.
     */
    String toOnnx(OnnxGraph g, String x, long h, long w, double[][] preAffine) {
        String s = g.scopeOf(this);
        long c = g.shape(x)[2];
        String queries = Attention.splitHeadsOnnx(g, s + "/q", q.toOnnx(g, x, scale, preAffine), heads);
        LayerNorm.Normalized source = new LayerNorm.Normalized(x, preAffine);
        if (srConv != null) {
            String map = OnnxForms.map(g, s + "/sr_in", x, c, h, w);
            String reduced;
            if (preAffine == null) {
                reduced = srConv.toOnnx(g, map);
            } else {
                float[][] f = srConv.hostWeights(preAffine);
                reduced = OnnxForms.conv(g, srConv, map, f[0], f[1], g.scopeOf(srConv) + "_norm_folded");
            }
            source = norm.normalizeOnnx(g, OnnxForms.tokens(g, s + "/sr_out", reduced));
        }
        String[] keyValue = g.split(kv.toOnnx(g, source.value(), 1.0, source.affine()), s + "/kv_split", 2, c, c);
        String out = Attention.attendOnnx(g, s + "/attn", queries, Attention.splitHeadsOnnx(g, s + "/k", keyValue[0], heads),
                Attention.splitHeadsOnnx(g, s + "/v", keyValue[1], heads), 1.0, null);
        return proj.toOnnx(g, Attention.mergeHeadsOnnx(g, s, out));
    }

    /** Tokens B×N×C (N = h·w, raster order) → B×N×C. */
    NDArray forward(NDArray x, int h, int w) {
        var s = x.getShape();
        long b = s.get(0), c = s.get(2);
        NDArray queries = Attention.splitHeads(q.forward(x), heads);
        NDArray source = x;
        if (srConv != null) {
            if (h < sr || w < sr) {
                throw new IllegalArgumentException("a " + h + "x" + w + " map is smaller than the K/V reduction window " + sr + "x" + sr);
            }
            NDArray map = x.transpose(0, 2, 1).reshape(b, c, h, w);
            NDArray reduced = srConv.forward(map);
            source = norm.forward(reduced.reshape(b, c, -1).transpose(0, 2, 1));
        }
        NDList keyValue = kv.forward(source).split(2, 2);
        NDArray out = Attention.attend(queries, Attention.splitHeads(keyValue.get(0), heads),
                Attention.splitHeads(keyValue.get(1), heads), scale, null);
        return proj.forward(Attention.mergeHeads(out));
    }
}
