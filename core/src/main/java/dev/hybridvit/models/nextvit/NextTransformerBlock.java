package dev.hybridvit.models.nextvit;

import ai.djl.ndarray.NDArray;
import dev.hybridvit.nn.BatchNorm;
import dev.hybridvit.nn.ConvMlp;
import dev.hybridvit.nn.DropPath;
import dev.hybridvit.nn.Module;
import dev.hybridvit.nn.PatchEmbed;
import dev.hybridvit.nn.Reparameterizable;

/**
 * NTB (Next Transformer Block, Next-ViT §3.2): a global E-MHSA branch on Cm = 0.75·C channels, a local MHCA
 * branch on the remaining Cc channels fed by the E-MHSA output, their concatenation, then an MLP.
 * Cm = r·C with the variant's shrink ratio r; at r = 1 there is no MHCA branch.
 * Drop-path rates of the three branches are 0.75, 0.25 and 1.0 of the block's rate.
 */
public final class NextTransformerBlock extends Module implements Reparameterizable {
    public final PatchEmbed patchEmbed;
    /** Pre-norms: BatchNorm (official, folded for deployment) or channels-first LayerNorm. */
    public final Module norm1;

    public final EfficientMHSA mhsa;
    public final DropPath mhsaDrop;
    /** The MHCA branch; all three null when r = 1 leaves it no channels. */
    public final PatchEmbed projection;

    public final MHCA mhca;
    public final DropPath mhcaDrop;
    public final Module norm2;
    public final ConvMlp mlp;
    public final DropPath mlpDrop;

    NextTransformerBlock(int in, int out, int stride, int sr, double dropPath, NextViTConfig config) {
        NextViTConfig.ConvInit init = config.convInit();
        int mhsaChannels = NextViTConfig.mhsaChannels(out, config.mixRatio());
        int mhcaChannels = out - mhsaChannels;
        patchEmbed = register("patch_embed", new PatchEmbed(in, mhsaChannels, stride, init.of(1)));
        norm1 = register("norm1", config.norm().of(mhsaChannels));
        mhsa = register("e_mhsa", new EfficientMHSA(mhsaChannels, sr));
        mhsaDrop = register("mhsa_path_dropout", new DropPath(dropPath * 0.75));
        boolean local = mhcaChannels > 0;
        projection = local ? register("projection", new PatchEmbed(mhsaChannels, mhcaChannels, 1, init.of(1))) : null;
        mhca = local ? register("mhca", new MHCA(mhcaChannels, config)) : null;
        mhcaDrop = local ? register("mhca_path_dropout", new DropPath(dropPath * 0.25)) : null;
        norm2 = register("norm2", config.norm().of(out));
        mlp = register(
                "mlp",
                new ConvMlp(
                        out,
                        NextViTConfig.makeDivisible(out * NextViTConfig.NTB_MLP_RATIO, 32),
                        config.activation(),
                        init.of(1)));
        mlpDrop = register("mlp_path_dropout", new DropPath(dropPath));
    }

    @Override
    public NDArray forward(NDArray x) {
        x = patchEmbed.forward(x);
        var s = x.getShape();
        long b = s.get(0), c = s.get(1), h = s.get(2), w = s.get(3);
        NDArray tokens = norm1.forward(x).reshape(b, c, h * w).transpose(0, 2, 1);
        NDArray attended = mhsaDrop.forward(mhsa.forward(tokens));
        x = x.add(attended.transpose(0, 2, 1).reshape(b, c, h, w));
        if (mhca != null) {
            NDArray local = projection.forward(x);
            local = local.add(mhcaDrop.forward(mhca.forward(local)));
            x = x.concat(local, 1);
        }
        return x.add(mlpDrop.forward(mlp.forward(norm2.forward(x))));
    }

    /**
     * The deploy form (official {@code merge_bn}): norm1 folded into the E-MHSA's q, k, v (exact
     * across its token pool, which commutes with a per-channel affine) and norm2 into {@code mlp.conv1}.
     */
    @Override
    public void reparameterize() {
        if (norm1 instanceof BatchNorm bn) bn.foldIntoNext(mhsa.q, mhsa.k, mhsa.v);
        if (norm2 instanceof BatchNorm bn) bn.foldIntoNext(mlp.conv1);
    }
}
