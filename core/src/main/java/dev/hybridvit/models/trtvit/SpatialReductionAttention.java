package dev.hybridvit.models.trtvit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import dev.hybridvit.nn.Attention;
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
public final class SpatialReductionAttention extends Module {
    public final int heads, sr;
    public final double scale;
    public final Linear q, kv, proj;
    /** The K/V reduction conv and its LayerNorm; null when sr = 1. */
    public final Conv2d srConv;

    public final LayerNorm norm;

    SpatialReductionAttention(int dim, int sr) {
        if (dim % TRTViTConfig.HEAD_DIM != 0) {
            throw new IllegalArgumentException(
                    "attention width " + dim + " is not a multiple of the head dim " + TRTViTConfig.HEAD_DIM);
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

    /** Tokens B×N×C (N = h·w, raster order) → B×N×C. */
    public NDArray forward(NDArray x, int h, int w) {
        var s = x.getShape();
        long b = s.get(0), c = s.get(2);
        NDArray queries = Attention.splitHeads(q.forward(x), heads);
        NDArray source = x;
        if (srConv != null) {
            if (h < sr || w < sr) {
                throw new IllegalArgumentException(
                        "a " + h + "x" + w + " map is smaller than the K/V reduction window " + sr + "x" + sr);
            }
            NDArray map = x.transpose(0, 2, 1).reshape(b, c, h, w);
            NDArray reduced = srConv.forward(map);
            source = norm.forward(reduced.reshape(b, c, -1).transpose(0, 2, 1));
        }
        NDList keyValue = kv.forward(source).split(2, 2);
        NDArray out = Attention.attend(
                queries,
                Attention.splitHeads(keyValue.get(0), heads),
                Attention.splitHeads(keyValue.get(1), heads),
                scale,
                null);
        return proj.forward(Attention.mergeHeads(out));
    }
}
