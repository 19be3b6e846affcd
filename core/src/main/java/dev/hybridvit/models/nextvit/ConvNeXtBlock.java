package dev.hybridvit.models.nextvit;

import ai.djl.ndarray.NDArray;
import dev.hybridvit.nn.Activation;
import dev.hybridvit.nn.Conv2d;
import dev.hybridvit.nn.ConvMlp;
import dev.hybridvit.nn.DropPath;
import dev.hybridvit.nn.LayerNorm;
import dev.hybridvit.nn.LayerScale;
import dev.hybridvit.nn.Module;
import dev.hybridvit.nn.PatchEmbed;

/**
 * The ConvNeXt block (Liu et al., CVPR 2022; timm's {@code ConvNeXtBlock} with a conv MLP), one of
 * Next-ViT Table 7's blocks in place of the NCB: {@code x + DropPath(γ · MLP(LN(dwconv7×7(x))))},
 * MLP C → 4C → C with GELU, LayerNorm ε 1e-6, γ starting at 1e-6. A Next-ViT patch embedding
 * in front changes width and resolution, as it does for the NCB, so only the block body differs.
 */
public final class ConvNeXtBlock extends Module {
    public static final int MLP_RATIO = 4;

    public final PatchEmbed patchEmbed;
    public final Conv2d convDw;
    public final LayerNorm norm;
    public final ConvMlp mlp;
    public final LayerScale layerScale;
    public final DropPath dropPath;

    ConvNeXtBlock(int in, int out, int stride, double dropPath, NextViTConfig config) {
        NextViTConfig.ConvInit init = config.convInit();
        patchEmbed = register("patch_embed", new PatchEmbed(in, out, stride, init.of(1)));
        convDw = register("conv_dw", new Conv2d(out, out, 7, 1, 3, out, true, init.of(out)));
        norm = register("norm", LayerNorm.channelsFirst(out, 1e-6));
        mlp = register("mlp", new ConvMlp(out, MLP_RATIO * out, Activation.Kind.GELU, init.of(1)));
        layerScale = register("layer_scale", new LayerScale(out, 1e-6));
        this.dropPath = register("drop_path", new DropPath(dropPath));
    }

    @Override
    public NDArray forward(NDArray x) {
        x = patchEmbed.forward(x);
        return x.add(dropPath.forward(layerScale.forward(mlp.forward(norm.forward(convDw.forward(x))))));
    }
}
