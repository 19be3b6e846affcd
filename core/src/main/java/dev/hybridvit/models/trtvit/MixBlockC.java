package dev.hybridvit.models.trtvit;

import ai.djl.ndarray.NDArray;
import dev.hybridvit.nn.Init;
import dev.hybridvit.nn.Module;
import dev.hybridvit.nn.PatchEmbed;

/**
 * MixBlock-C, the building unit of TRT-ViT's last stage: serial, global then local.
 * <pre>
 * z   = PatchEmbed(x → R·C)                    # 1×1 conv + BN (2×2 avg pool first on a stage's first block)
 * z   = Transformer(z)                         # global: z + MHSA(LN z), z + MLP(LN z)
 * l   = BottleNeck(z → (1−R)·C)                # local refinement of the Transformer output
 * out = concat([z, l])                         # R·C + (1−R)·C = C
 * </pre>
 *
 * <p><b>Facts</b> (TRT-ViT paper, §3): global-then-local; the Transformer works on R·C channels (channel
 * shrink ratio R, 0.5 in the final models) and the BottleNeck on its output; the two outputs are
 * concatenated; used only in the last stage of TRT-ViT. <b>Reconstruction</b> (written
 * the way the same authors' Next-ViT NTB is): the input projection as 1×1 conv + BN (average-pool
 * stride on a stage's first block), the BottleNeck as a ResNet BottleNeck R·C → (1−R)·C with
 * inner width (1−R)·C/4 and its own shortcut (identity at R = 0.5), output order
 * [transformer, bottleneck], and no outer residual (an open point of the paper; the unofficial
 * CrazyAra chess adaptation adds one).
 *
 * <p>Keys: {@code patch_embed.*} (when present), {@code transformer.*}, {@code bottleneck.*}.
 */
public final class MixBlockC extends Module {
    /** Null unless the block changes width or resolution. */
    public final PatchEmbed patchEmbed;

    public final TransformerBlock transformer;
    public final BottleNeck bottleneck;
    public final int width, transformerWidth;

    /** Same parameters as {@link MixBlockA#MixBlockA}. */
    public MixBlockC(int in, int width, int stride, double r, int sr, double dropPath) {
        this.width = width;
        this.transformerWidth = (int) Math.round(width * r);
        PatchEmbed pe = new PatchEmbed(in, transformerWidth, stride, Init.kaimingNormalFanOut());
        patchEmbed = pe.isIdentity() ? null : register("patch_embed", pe);
        transformer =
                register("transformer", new TransformerBlock(transformerWidth, transformerWidth, 1, sr, dropPath));
        bottleneck = register("bottleneck", new BottleNeck(transformerWidth, width - transformerWidth, 1, dropPath));
    }

    @Override
    public NDArray forward(NDArray x) {
        if (patchEmbed != null) x = patchEmbed.forward(x);
        NDArray global = transformer.forward(x);
        return global.concat(bottleneck.forward(global), 1);
    }
}
