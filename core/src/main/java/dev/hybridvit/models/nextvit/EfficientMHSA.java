package dev.hybridvit.models.nextvit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.pooling.Pool;
import dev.hybridvit.nn.Attention;
import dev.hybridvit.nn.BatchNorm;
import dev.hybridvit.nn.Linear;
import dev.hybridvit.nn.Module;
import dev.hybridvit.nn.Reparameterizable;

/**
 * E-MHSA: multi-head self-attention whose keys and values come from tokens average-pooled by
 * sr² along the flattened raster sequence (a 1-D pool whose windows cross image rows, trailing
 * tokens dropped — exactly as the official code, not a 2-D sr×sr pool), followed by BatchNorm1d.
 */
public final class EfficientMHSA extends Module implements Reparameterizable {
    public final Linear q, k, v, proj;
    /** BatchNorm1d on the pooled tokens; null without pooling. */
    public final BatchNorm norm;

    public final int heads, sr;
    public final double scale;

    EfficientMHSA(int dim, int sr) {
        this.heads = dim / NextViTConfig.HEAD_DIM;
        this.sr = sr;
        this.scale = Math.pow(NextViTConfig.HEAD_DIM, -0.5);
        q = register("q", new Linear(dim, dim, true));
        k = register("k", new Linear(dim, dim, true));
        v = register("v", new Linear(dim, dim, true));
        proj = register("proj", new Linear(dim, dim, true));
        norm = sr > 1 ? register("norm", new BatchNorm(dim)) : null;
    }

    /** Tokens B×N×C → B×N×C. */
    @Override
    public NDArray forward(NDArray x) {
        NDArray kv = keyValueTokens(x);
        NDArray out = Attention.attend(
                Attention.splitHeads(q.forward(x), heads),
                Attention.splitHeads(k.forward(kv), heads),
                Attention.splitHeads(v.forward(kv), heads),
                scale,
                null);
        return proj.forward(Attention.mergeHeads(out));
    }

    /**
     * The attention weights for tokens B×N×C: B×heads×N×M, key j standing for the raster tokens
     * j·sr² … (j+1)·sr² − 1.
     */
    public NDArray attentionWeights(NDArray x) {
        return Attention.probabilities(
                Attention.splitHeads(q.forward(x), heads),
                Attention.splitHeads(k.forward(keyValueTokens(x)), heads),
                scale,
                null);
    }

    /** The tokens keys and values come from: pooled by sr² along the sequence, then BatchNorm1d. */
    private NDArray keyValueTokens(NDArray x) {
        if (sr == 1) return x;
        int window = sr * sr;
        NDArray pooled =
                Pool.avgPool1d(x.transpose(0, 2, 1), new Shape(window), new Shape(window), new Shape(0), false, false);
        return norm.forward(pooled).transpose(0, 2, 1);
    }

    /** Minimum token count (one full pooling window). */
    public int minTokens() {
        return sr * sr;
    }

    /** The deploy form: the BatchNorm1d on the pooled tokens folded into k and v. */
    @Override
    public void reparameterize() {
        if (norm != null) norm.foldIntoNext(k, v);
    }
}
