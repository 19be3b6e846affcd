package dev.hybridvit.models.nextvit;

import ai.djl.ndarray.NDArray;
import dev.hybridvit.nn.Activation;
import dev.hybridvit.nn.AvgPool2d;
import dev.hybridvit.nn.ConvMlp;
import dev.hybridvit.nn.DropPath;
import dev.hybridvit.nn.GroupNorm;
import dev.hybridvit.nn.LayerScale;
import dev.hybridvit.nn.Module;
import dev.hybridvit.nn.PatchEmbed;

/**
 * The PoolFormer block (Yu et al., MetaFormer, CVPR 2022; timm's {@code PoolFormerBlock}), one of
 * Next-ViT Table 7's blocks in place of the NCB: the token mixer is a 3×3 average pool minus its
 * input, {@code x + γ1 · (pool(GN(x)) − GN(x))}, then {@code x + γ2 · MLP(GN(x))} with MLP C → 4C
 * → C and GELU; GN is GroupNorm with one group, γ starts at 1e-5. A Next-ViT patch embedding in
 * front changes width and resolution, as it does for the NCB.
 */
public final class PoolFormerBlock extends Module {
    public static final int MLP_RATIO = 4;

    public final PatchEmbed patchEmbed;
    public final GroupNorm norm1, norm2;
    /** 3×3, stride 1, padding 1, border windows averaged over their valid pixels. */
    public final AvgPool2d tokenMixer;

    public final LayerScale layerScale1, layerScale2;
    public final ConvMlp mlp;
    public final DropPath dropPath;

    PoolFormerBlock(int in, int out, int stride, double dropPath, NextViTConfig config) {
        NextViTConfig.ConvInit init = config.convInit();
        patchEmbed = register("patch_embed", new PatchEmbed(in, out, stride, init.of(1)));
        norm1 = register("norm1", new GroupNorm(1, out, 1e-5));
        tokenMixer = register("token_mixer", new AvgPool2d(3, 1, 1));
        layerScale1 = register("layer_scale1", new LayerScale(out, 1e-5));
        norm2 = register("norm2", new GroupNorm(1, out, 1e-5));
        mlp = register("mlp", new ConvMlp(out, MLP_RATIO * out, Activation.Kind.GELU, init.of(1)));
        layerScale2 = register("layer_scale2", new LayerScale(out, 1e-5));
        this.dropPath = register("drop_path", new DropPath(dropPath));
    }

    @Override
    public NDArray forward(NDArray x) {
        x = patchEmbed.forward(x);
        NDArray normed = norm1.forward(x);
        NDArray mixed = tokenMixer.forward(normed).sub(normed);
        x = x.add(dropPath.forward(layerScale1.forward(mixed)));
        return x.add(dropPath.forward(layerScale2.forward(mlp.forward(norm2.forward(x)))));
    }
}
