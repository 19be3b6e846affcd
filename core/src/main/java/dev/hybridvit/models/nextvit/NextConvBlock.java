package dev.hybridvit.models.nextvit;

import ai.djl.ndarray.NDArray;
import dev.hybridvit.nn.BatchNorm;
import dev.hybridvit.nn.ConvMlp;
import dev.hybridvit.nn.DropPath;
import dev.hybridvit.nn.Module;
import dev.hybridvit.nn.PatchEmbed;
import dev.hybridvit.nn.Reparameterizable;

/** NCB (Next Convolution Block, Next-ViT §3.1): patch embed, x + MHCA(x), x + MLP(BN(x)). */
public final class NextConvBlock extends Module implements Reparameterizable {
    public final PatchEmbed patchEmbed;
    public final MHCA mhca;
    public final DropPath attnDrop;
    /** The pre-norm: BatchNorm (official, folded into the MLP for deployment) or a channels-first LayerNorm. */
    public final Module norm;

    public final ConvMlp mlp;
    public final DropPath mlpDrop;

    NextConvBlock(int in, int out, int stride, double dropPath, NextViTConfig config) {
        NextViTConfig.ConvInit init = config.convInit();
        patchEmbed = register("patch_embed", new PatchEmbed(in, out, stride, init.of(1)));
        mhca = register("mhca", new MHCA(out, config));
        attnDrop = register("attention_path_dropout", new DropPath(dropPath));
        norm = register("norm", config.norm().of(out));
        mlp = register(
                "mlp",
                new ConvMlp(
                        out,
                        NextViTConfig.makeDivisible(out * NextViTConfig.NCB_MLP_RATIO, 32),
                        config.activation(),
                        init.of(1)));
        mlpDrop = register("mlp_path_dropout", new DropPath(dropPath));
    }

    @Override
    public NDArray forward(NDArray x) {
        x = patchEmbed.forward(x);
        x = x.add(attnDrop.forward(mhca.forward(x)));
        return x.add(mlpDrop.forward(mlp.forward(norm.forward(x))));
    }

    /** The deploy form (official {@code merge_bn}): the pre-norm BN folded into {@code mlp.conv1}. */
    @Override
    public void reparameterize() {
        if (norm instanceof BatchNorm bn) bn.foldIntoNext(mlp.conv1);
    }
}
