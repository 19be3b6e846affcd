package dev.hybridvit.models.cmt;

import ai.djl.ndarray.NDArray;
import dev.hybridvit.nn.Activation;
import dev.hybridvit.nn.Conv2d;
import dev.hybridvit.nn.ConvMlp;
import dev.hybridvit.nn.DropPath;
import dev.hybridvit.nn.Init;
import dev.hybridvit.nn.LayerNorm;
import dev.hybridvit.nn.Module;
import java.util.function.Supplier;

/**
 * The CMT block (CMT §3.2), with the LPU and the IRFFN as the variant says: Local Perception Unit x ← DWConv3×3(x) + x (key {@code proj},
 * registered last as in the official code but applied first), then x ← x + LMHSA(LN(x)) and
 * x ← x + IRFFN(LN(x)), both LayerNorms with eps 1e-6 and one stochastic-depth module shared by
 * the two residual branches. Takes and returns B×C×H×W; attention and norms run on the B×N×C
 * raster-order tokens in between.
 */
public final class CMTBlock extends Module {
    static final double EPS = 1e-6;
    public final LayerNorm norm1;
    public final LightweightAttention attn;
    public final DropPath dropPath;
    public final LayerNorm norm2;
    /** The IRFFN (official) or, as the variant says, a plain FFN ({@link ConvMlp}); map in, map out. */
    public final Module mlp;
    /** The Local Perception Unit's depthwise conv (official key {@code proj}); null when the variant has no LPU. */
    public final Conv2d lpu;

    CMTBlock(CMTConfig config, int stage, double dropPath, Supplier<NDArray> relativePos) {
        int dim = config.dim(stage), hidden = config.hidden(stage);
        norm1 = register("norm1", new LayerNorm(dim, EPS));
        attn = register("attn", new LightweightAttention(dim, config.heads(stage), config.srRatio(stage), relativePos));
        this.dropPath = register("drop_path", new DropPath(dropPath));
        norm2 = register("norm2", new LayerNorm(dim, EPS));
        mlp = register(
                "mlp",
                config.ffn() == CMTConfig.Ffn.IRFFN
                        ? new InvertedResidualFFN(dim, hidden)
                        : new ConvMlp(dim, hidden, Activation.Kind.GELU, Init.kaimingNormalFanOut()));
        lpu = config.lpu()
                ? register("proj", new Conv2d(dim, dim, 3, 1, 1, dim, true, Init.kaimingNormalFanOut()))
                : null;
    }

    @Override
    public NDArray forward(NDArray x) {
        var s = x.getShape();
        long b = s.get(0), c = s.get(1), h = s.get(2), w = s.get(3);
        if (lpu != null) x = lpu.forward(x).add(x);
        NDArray t = x.reshape(b, c, h * w).transpose(0, 2, 1);
        t = t.add(dropPath.forward(attn.forward(norm1.forward(t), h, w)));
        NDArray ffn = mlp.forward(norm2.forward(t).transpose(0, 2, 1).reshape(b, c, h, w));
        t = t.add(dropPath.forward(ffn.reshape(b, c, h * w).transpose(0, 2, 1)));
        return t.transpose(0, 2, 1).reshape(b, c, h, w);
    }
}
