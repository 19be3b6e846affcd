package dev.hybridvit.models.trtvit;

import ai.djl.ndarray.NDArray;
import dev.hybridvit.nn.Init;
import dev.hybridvit.nn.Module;
import dev.hybridvit.nn.PatchEmbed;

/**
 * MixBlock-B: serial, local then global.
 * <pre>
 * p   = PatchEmbed(x → R·C)                    # 1×1 conv + BN (2×2 avg pool first on a stage's first block)
 * l   = BottleNeck(p → (1−R)·C)                # local first
 * g   = Transformer(PatchEmbed(l → R·C))       # then global; the projection is an identity at R = 0.5
 * out = concat([l, g])                         # (1−R)·C + R·C = C
 * </pre>
 *
 * <p><b>Facts</b> (TRT-ViT paper): MixBlock-B is the serial local-then-global mix; MixBlock-C is MixBlock-B
 * with the Transformer and the convolution swapped, at unchanged computational density.
 * <b>Reconstruction</b>: the layout above is MixBlock-C's with the two operators swapped, so that
 * at R = 0.5 both blocks hold exactly the same layers (projection in→C/2, BottleNeck C/2→C/2,
 * Transformer at C/2) in opposite order, matching "density unchanged"; at other R an extra 1×1
 * conv + BN ({@code transformer.patch_embed}) fits the BottleNeck output to the Transformer width.
 * Output order [local, global] (the order of computation); no outer residual.
 *
 * <p>Keys: {@code patch_embed.*} (when present), {@code bottleneck.*}, {@code transformer.*}.
 */
public final class MixBlockB extends Module {
    /** Null unless the block changes width or resolution. */
    public final PatchEmbed patchEmbed;

    public final BottleNeck bottleneck;
    public final TransformerBlock transformer;
    public final int width, transformerWidth;

    /** Same parameters as {@link MixBlockA#MixBlockA}. */
    public MixBlockB(int in, int width, int stride, double r, int sr, double dropPath) {
        this.width = width;
        this.transformerWidth = (int) Math.round(width * r);
        int local = width - transformerWidth;
        PatchEmbed pe = new PatchEmbed(in, transformerWidth, stride, Init.kaimingNormalFanOut());
        patchEmbed = pe.isIdentity() ? null : register("patch_embed", pe);
        bottleneck = register("bottleneck", new BottleNeck(transformerWidth, local, 1, dropPath));
        transformer = register("transformer", new TransformerBlock(local, transformerWidth, 1, sr, dropPath));
    }

    @Override
    public NDArray forward(NDArray x) {
        if (patchEmbed != null) x = patchEmbed.forward(x);
        NDArray local = bottleneck.forward(x);
        return local.concat(transformer.forward(local), 1);
    }
}
