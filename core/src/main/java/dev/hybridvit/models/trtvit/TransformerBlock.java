package dev.hybridvit.models.trtvit;

import ai.djl.ndarray.NDArray;
import dev.hybridvit.nn.DropPath;
import dev.hybridvit.nn.Init;
import dev.hybridvit.nn.LayerNorm;
import dev.hybridvit.nn.Module;
import dev.hybridvit.nn.PatchEmbed;

/**
 * The Transformer block of TRT-ViT (the "T" of a stage pattern), on an N×C×H×W map in and out,
 * tokens inside:
 * <pre>
 * x = PatchEmbed(x)                                  # only when the width or the resolution changes
 * t = tokens(x)                                      # B×HW×C, raster order
 * t = t + DropPath(Attention(LN(t)))                 # heads = C/32, optional K/V reduction sr
 * t = t + DropPath(MLP(LN(t)))                       # C → 3C → C, GELU
 * return map(t)
 * </pre>
 *
 * <p><b>Facts</b> (TRT-ViT paper): LayerNorm and GELU, MLP ratio 3, head dim 32; PVT is the paper's
 * Transformer baseline. <b>Reconstruction</b>: pre-norm ordering; PVT's attention (separate
 * {@code q} and fused {@code kv} projections with bias, K/V from an sr×sr stride-sr conv + LN when
 * sr &gt; 1, so keys cover ⌊H/sr⌋×⌊W/sr⌋ positions); LN eps {@value TRTViTConfig#LN_EPS}; no
 * positional embedding (the convolutional stages before it carry position); the downsampling
 * {@link PatchEmbed} (2×2 average pool + 1×1 conv + BN) on a stage's first block; linear layers
 * N(0, .02²), biases 0. The block refuses a map smaller than sr×sr.
 *
 * <p>Keys: {@code patch_embed.{conv,norm}} (when present), {@code norm1},
 * {@code attn.{q,kv,sr,norm,proj}}, {@code norm2}, {@code mlp.{fc1,fc2}}.
 */
public final class TransformerBlock extends Module {
    /** Null unless the block changes width or resolution. */
    public final PatchEmbed patchEmbed;

    public final LayerNorm norm1, norm2;
    public final SpatialReductionAttention attn;
    public final TokenMlp mlp;
    public final DropPath dropPath;
    public final int in, width, stride;

    /**
     * @param in       input channels
     * @param width    output channels = attention width (a multiple of 32)
     * @param stride   1, or 2 on a stage's first block
     * @param sr       K/V spatial-reduction ratio (1 = none)
     * @param dropPath stochastic-depth rate of both residual branches
     */
    public TransformerBlock(int in, int width, int stride, int sr, double dropPath) {
        if (sr < 1) throw new IllegalArgumentException("K/V reduction ratio must be at least 1, got " + sr);
        this.in = in;
        this.width = width;
        this.stride = stride;
        PatchEmbed pe = new PatchEmbed(in, width, stride, Init.kaimingNormalFanOut());
        patchEmbed = pe.isIdentity() ? null : register("patch_embed", pe);
        norm1 = register("norm1", new LayerNorm(width, TRTViTConfig.LN_EPS));
        attn = register("attn", new SpatialReductionAttention(width, sr));
        norm2 = register("norm2", new LayerNorm(width, TRTViTConfig.LN_EPS));
        mlp = register("mlp", new TokenMlp(width, width * TRTViTConfig.MLP_RATIO));
        this.dropPath = register("drop_path", new DropPath(dropPath));
    }

    /** The K/V reduction ratio. */
    public int sr() {
        return attn.sr;
    }

    @Override
    public NDArray forward(NDArray x) {
        if (patchEmbed != null) x = patchEmbed.forward(x);
        var s = x.getShape();
        long b = s.get(0), c = s.get(1);
        int h = (int) s.get(2), w = (int) s.get(3);
        NDArray t = x.reshape(b, c, (long) h * w).transpose(0, 2, 1);
        t = t.add(dropPath.forward(attn.forward(norm1.forward(t), h, w)));
        t = t.add(dropPath.forward(mlp.forward(norm2.forward(t))));
        return t.transpose(0, 2, 1).reshape(b, c, h, w);
    }
}
