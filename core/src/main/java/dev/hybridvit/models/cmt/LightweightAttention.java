package dev.hybridvit.models.cmt;

import ai.djl.ndarray.NDArray;
import dev.hybridvit.nn.Attention;
import dev.hybridvit.nn.BatchNorm;
import dev.hybridvit.nn.Conv2d;
import dev.hybridvit.nn.Init;
import dev.hybridvit.nn.Linear;
import dev.hybridvit.nn.Module;
import dev.hybridvit.nn.Sequential;
import java.util.function.Supplier;

/**
 * LMHSA (lightweight multi-head self-attention, CMT §3.2): queries from every token; keys and
 * values from the tokens reduced by a k×k stride-k depthwise convolution + BN (key {@code sr},
 * only when k &gt; 1), applied to the same LayerNorm'd tokens the queries see;
 * softmax(Q·Kᵀ·d^-0.5 + B) with the stage's relative position bias B (heads × N × N/k²) added
 * after the scaling; then a linear projection. Keys {@code q, k, v, proj, sr.0, sr.1}.
 */
public final class LightweightAttention extends Module {
    public final Linear q, k, v, proj;
    /** The key/value reduction: k×k stride-k depthwise conv → BN; null when k = 1. */
    public final Sequential sr;

    public final int heads, ratio;
    public final double scale;
    private final Supplier<NDArray> relativePos;

    /** @param relativePos the stage's current bias (a root parameter shared by the stage's blocks) */
    LightweightAttention(int dim, int heads, int ratio, Supplier<NDArray> relativePos) {
        this.heads = heads;
        this.ratio = ratio;
        this.scale = Math.pow(dim / heads, -0.5);
        this.relativePos = relativePos;
        q = register("q", new Linear(dim, dim, true));
        k = register("k", new Linear(dim, dim, true));
        v = register("v", new Linear(dim, dim, true));
        proj = register("proj", new Linear(dim, dim, true));
        sr = ratio > 1
                ? register(
                        "sr",
                        new Sequential(
                                new Conv2d(dim, dim, ratio, ratio, 0, dim, true, Init.kaimingNormalFanOut()),
                                new BatchNorm(dim)))
                : null;
    }

    /** The stage's relative position bias (heads × N × N/k²), shared by the stage's blocks. */
    public NDArray relativePosition() {
        return relativePos.get();
    }

    /** Tokens B×N×C on an h×w grid → B×N×C. */
    public NDArray forward(NDArray x, long h, long w) {
        NDArray kv = keyValueTokens(x, h, w);
        NDArray out = Attention.attend(
                Attention.splitHeads(q.forward(x), heads),
                Attention.splitHeads(k.forward(kv), heads),
                Attention.splitHeads(v.forward(kv), heads),
                scale,
                relativePos.get());
        return proj.forward(Attention.mergeHeads(out));
    }

    /**
     * The attention weights for tokens B×N×C on an h×w grid: B×heads×N×M, the M keys on the
     * (h/k)×(w/k) grid of the k×k reduction, each standing for one k×k patch.
     */
    public NDArray attentionWeights(NDArray x, long h, long w) {
        return Attention.probabilities(
                Attention.splitHeads(q.forward(x), heads),
                Attention.splitHeads(k.forward(keyValueTokens(x, h, w)), heads),
                scale,
                relativePos.get());
    }

    /** The tokens keys and values come from: the k×k reduction of the map, or the tokens themselves. */
    private NDArray keyValueTokens(NDArray x, long h, long w) {
        if (sr == null) return x;
        var s = x.getShape();
        long b = s.get(0), c = s.get(2);
        NDArray reduced = sr.forward(x.transpose(0, 2, 1).reshape(b, c, h, w));
        return reduced.reshape(b, c, -1).transpose(0, 2, 1);
    }

    /** The module contract on a feature map: B×C×H×W → B×C×H×W (tokens in raster order). */
    @Override
    public NDArray forward(NDArray x) {
        var s = x.getShape();
        long b = s.get(0), c = s.get(1), h = s.get(2), w = s.get(3);
        NDArray out = forward(x.reshape(b, c, h * w).transpose(0, 2, 1), h, w);
        return out.transpose(0, 2, 1).reshape(b, c, h, w);
    }
}
