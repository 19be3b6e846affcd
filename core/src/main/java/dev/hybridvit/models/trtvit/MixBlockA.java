package dev.hybridvit.models.trtvit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import dev.hybridvit.nn.Module;
import dev.hybridvit.nn.PatchEmbed;

/**
 * MixBlock-A: a Transformer and a BottleNeck in parallel on a channel split.
 * <pre>
 * x      = PatchEmbed(x → C)                   # only on a width/resolution change (stage's first block)
 * [g, l] = split(x, [R·C, (1−R)·C])            # channels
 * out    = concat([Transformer(g), BottleNeck(l)])   # R·C + (1−R)·C = C
 * </pre>
 *
 * <p><b>Facts</b> (TRT-ViT paper): MixBlock-A is the parallel mix of a Transformer and a BottleNeck; MixNet-A
 * is MixNetV with MixBlock-A in place of its Transformers; it is denser than a Transformer but
 * less accurate than MixBlock-C. <b>Reconstruction</b>: the split of the (projected) input by R
 * with the Transformer on the first R·C channels, output order [global, local], the shared
 * projection for the stage's first block, the BottleNeck at (1−R)·C → (1−R)·C with its own
 * identity shortcut, and no outer residual.
 *
 * <p>Keys: {@code patch_embed.*} (when present), {@code transformer.*}, {@code bottleneck.*}.
 */
public final class MixBlockA extends Module {
    /** Null unless the block changes width or resolution. */
    public final PatchEmbed patchEmbed;

    public final TransformerBlock transformer;
    public final BottleNeck bottleneck;
    public final int width, transformerWidth;

    /**
     * @param in       input channels
     * @param width    output channels C
     * @param stride   1, or 2 on a stage's first block
     * @param r        the share R of channels given to the Transformer (R·C a multiple of 32)
     * @param sr       K/V reduction ratio of the Transformer
     * @param dropPath stochastic-depth rate of the inner blocks
     */
    public MixBlockA(int in, int width, int stride, double r, int sr, double dropPath) {
        this.width = width;
        this.transformerWidth = (int) Math.round(width * r);
        PatchEmbed pe = new PatchEmbed(in, width, stride);
        patchEmbed = pe.isIdentity() ? null : register("patch_embed", pe);
        transformer =
                register("transformer", new TransformerBlock(transformerWidth, transformerWidth, 1, sr, dropPath));
        int local = width - transformerWidth;
        bottleneck = register("bottleneck", new BottleNeck(local, local, 1, dropPath));
    }

    @Override
    public NDArray forward(NDArray x) {
        if (patchEmbed != null) x = patchEmbed.forward(x);
        NDList parts = x.split(new long[] {transformerWidth}, 1);
        return transformer.forward(parts.get(0)).concat(bottleneck.forward(parts.get(1)), 1);
    }
}
