package dev.hybridvit.models.nextvit;

import dev.hybridvit.nn.PatchEmbed;
import ai.djl.ndarray.NDArray;
import dev.hybridvit.deploy.onnx.OnnxGraph;
import dev.hybridvit.deploy.onnx.OnnxOp;
import dev.hybridvit.nn.Activation;
import dev.hybridvit.nn.BatchNorm;
import dev.hybridvit.nn.BatchNormFold;
import dev.hybridvit.nn.ConvMlp;
import dev.hybridvit.nn.DropPath;
import dev.hybridvit.nn.Module;

import java.util.List;

/** NCB (Next Convolution Block): patch embed, x + MHCA(x), x + MLP(BN(x)). */
final class NextConvBlock extends Module {
    private final PatchEmbed patchEmbed;
    private final MHCA mhca;
    private final DropPath attnDrop;
    private final BatchNorm norm;
    private final ConvMlp mlp;
    private final DropPath mlpDrop;
    private boolean merged;

    NextConvBlock(int in, int out, int stride, double dropPath, NextViTConfig.ConvInit init) {
        patchEmbed = register("patch_embed", new PatchEmbed(in, out, stride, init.of(1)));
        mhca = register("mhca", new MHCA(out, init));
        attnDrop = register("attention_path_dropout", new DropPath(dropPath));
        norm = register("norm", new BatchNorm(out));
        mlp = register("mlp", new ConvMlp(out, NextViTConfig.makeDivisible(out * NextViTConfig.NCB_MLP_RATIO, 32),
                Activation.Kind.RELU, init.of(1)));
        mlpDrop = register("mlp_path_dropout", new DropPath(dropPath));
    }

    @Override
    public NDArray forward(NDArray x) {
        x = patchEmbed.forward(x);
        x = x.add(attnDrop.forward(mhca.forward(x)));
        NDArray normed = merged ? x : norm.forward(x);
        return x.add(mlpDrop.forward(mlp.forward(normed)));
    }

    @Override
    public String toOnnx(OnnxGraph g, String x) {
        String s = g.scopeOf(this);
        x = patchEmbed.toOnnx(g, x);
        x = g.add(OnnxOp.ADD, s + "/mhca_residual", List.of(x, attnDrop.toOnnx(g, mhca.toOnnx(g, x))));
        String normed = merged ? x : norm.toOnnx(g, x);
        return g.add(OnnxOp.ADD, s + "/mlp_residual", List.of(x, mlpDrop.toOnnx(g, mlp.toOnnx(g, normed))));
    }

    /** Deploy form: fold the pre-norm BN into {@code mlp.conv1}. */
    void mergeBatchNorm() {
        BatchNormFold.foldInto(mlp.conv1.weight(), mlp.conv1.bias(), norm.affine());
        merged = true;
    }
}
