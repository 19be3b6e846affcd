package dev.hybridvit.models.nextvit;

import dev.hybridvit.nn.PatchEmbed;
import ai.djl.ndarray.NDArray;
import dev.hybridvit.deploy.onnx.OnnxAttr;
import dev.hybridvit.deploy.onnx.OnnxGraph;
import dev.hybridvit.deploy.onnx.OnnxOp;
import dev.hybridvit.nn.Activation;
import dev.hybridvit.nn.BatchNorm;
import dev.hybridvit.nn.BatchNormFold;
import dev.hybridvit.nn.ConvMlp;
import dev.hybridvit.nn.DropPath;
import dev.hybridvit.nn.Module;

import java.util.List;

/**
 * NTB (Next Transformer Block): a global E-MHSA branch on Cm = 0.75·C channels, a local MHCA
 * branch on the remaining Cc channels fed by the E-MHSA output, their concatenation, then an MLP.
 * Drop-path rates of the three branches are 0.75, 0.25 and 1.0 of the block's rate.
 */
final class NextTransformerBlock extends Module {
    private final PatchEmbed patchEmbed;
    private final BatchNorm norm1;
    final EfficientMHSA mhsa;
    private final DropPath mhsaDrop;
    private final PatchEmbed projection;
    private final MHCA mhca;
    private final DropPath mhcaDrop;
    private final BatchNorm norm2;
    private final ConvMlp mlp;
    private final DropPath mlpDrop;
    private boolean merged;

    NextTransformerBlock(int in, int out, int stride, int sr, double dropPath, NextViTConfig.ConvInit init) {
        int mhsaChannels = NextViTConfig.makeDivisible((int) (out * NextViTConfig.MIX_BLOCK_RATIO), 32);
        int mhcaChannels = out - mhsaChannels;
        patchEmbed = register("patch_embed", new PatchEmbed(in, mhsaChannels, stride, init.of(1)));
        norm1 = register("norm1", new BatchNorm(mhsaChannels));
        mhsa = register("e_mhsa", new EfficientMHSA(mhsaChannels, sr));
        mhsaDrop = register("mhsa_path_dropout", new DropPath(dropPath * 0.75));
        projection = register("projection", new PatchEmbed(mhsaChannels, mhcaChannels, 1, init.of(1)));
        mhca = register("mhca", new MHCA(mhcaChannels, init));
        mhcaDrop = register("mhca_path_dropout", new DropPath(dropPath * 0.25));
        norm2 = register("norm2", new BatchNorm(out));
        mlp = register("mlp", new ConvMlp(out, NextViTConfig.makeDivisible(out * NextViTConfig.NTB_MLP_RATIO, 32),
                Activation.Kind.RELU, init.of(1)));
        mlpDrop = register("mlp_path_dropout", new DropPath(dropPath));
    }

    @Override
    public NDArray forward(NDArray x) {
        x = patchEmbed.forward(x);
        var s = x.getShape();
        long b = s.get(0), c = s.get(1), h = s.get(2), w = s.get(3);
        NDArray tokens = (merged ? x : norm1.forward(x)).reshape(b, c, h * w).transpose(0, 2, 1);
        NDArray attended = mhsaDrop.forward(mhsa.forward(tokens));
        x = x.add(attended.transpose(0, 2, 1).reshape(b, c, h, w));
        NDArray local = projection.forward(x);
        local = local.add(mhcaDrop.forward(mhca.forward(local)));
        x = x.concat(local, 1);
        NDArray normed = merged ? x : norm2.forward(x);
        return x.add(mlpDrop.forward(mlp.forward(normed)));
    }

    @Override
    public String toOnnx(OnnxGraph g, String x) {
        String s = g.scopeOf(this);
        x = patchEmbed.toOnnx(g, x);
        long[] shape = g.shape(x);
        long c = shape[1], h = shape[2], w = shape[3];
        String back;
        if (merged) { // the deploy form stays on the map (see EfficientMHSA#mapOnnx)
            back = mhsaDrop.toOnnx(g, mhsa.mapOnnx(g, x));
        } else {
            String flat = g.reshape(norm1.toOnnx(g, x), s + "/flatten", 0, c, h * w);
            String tokens = g.transpose(flat, s + "/tokens", 0, 2, 1);
            String attended = mhsaDrop.toOnnx(g, mhsa.toOnnx(g, tokens));
            back = g.reshape(g.transpose(attended, s + "/untokens", 0, 2, 1), s + "/unflatten", 0, c, h, w);
        }
        x = g.add(OnnxOp.ADD, s + "/mhsa_residual", List.of(x, back));
        String local = projection.toOnnx(g, x);
        local = g.add(OnnxOp.ADD, s + "/mhca_residual", List.of(local, mhcaDrop.toOnnx(g, mhca.toOnnx(g, local))));
        x = g.add(OnnxOp.CONCAT, s + "/concat", List.of(x, local), OnnxAttr.i("axis", 1));
        String normed = merged ? x : norm2.toOnnx(g, x);
        return g.add(OnnxOp.ADD, s + "/mlp_residual", List.of(x, mlpDrop.toOnnx(g, mlp.toOnnx(g, normed))));
    }

    /** Deploy form: fold norm1 (and the E-MHSA BN1d) into q/k/v and norm2 into {@code mlp.conv1}. */
    void mergeBatchNorm() {
        mhsa.mergeBatchNorm(norm1.affine());
        BatchNormFold.foldInto(mlp.conv1.weight(), mlp.conv1.bias(), norm2.affine());
        merged = true;
    }
}
