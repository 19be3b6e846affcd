package dev.hybridvit.models.nextvit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.pooling.Pool;
import dev.hybridvit.deploy.onnx.OnnxAttr;
import dev.hybridvit.deploy.onnx.OnnxGraph;
import dev.hybridvit.deploy.onnx.OnnxOp;
import dev.hybridvit.nn.Attention;
import dev.hybridvit.nn.BatchNorm;
import dev.hybridvit.nn.BatchNormFold;
import dev.hybridvit.nn.Linear;
import dev.hybridvit.nn.Module;

import java.util.List;

/**
 * E-MHSA: multi-head self-attention whose keys and values come from tokens average-pooled by
 * sr² along the flattened raster sequence (a 1-D pool whose windows cross image rows, trailing
 * tokens dropped — exactly as the official code, not a 2-D sr×sr pool), followed by BatchNorm1d.
 */
final class EfficientMHSA extends Module {
    final Linear q, k, v, proj;
    private final BatchNorm norm;
    private final int heads, sr;
    private final double scale;
    private boolean merged;

    EfficientMHSA(int dim, int sr) {
        this.heads = dim / NextViTConfig.HEAD_DIM;
        this.sr = sr;
        this.scale = Math.pow(NextViTConfig.HEAD_DIM, -0.5);
        q = register("q", new Linear(dim, dim, true));
        k = register("k", new Linear(dim, dim, true));
        v = register("v", new Linear(dim, dim, true));
        proj = register("proj", new Linear(dim, dim, true));
        norm = sr > 1 ? register("norm", new BatchNorm(dim)) : null;
    }

    /** Tokens B×N×C → B×N×C. */
    @Override
    public NDArray forward(NDArray x) {
        NDArray queries = Attention.splitHeads(q.forward(x), heads);
        NDArray kv = x;
        if (sr > 1) {
            int window = sr * sr;
            NDArray pooled = Pool.avgPool1d(x.transpose(0, 2, 1), new Shape(window), new Shape(window), new Shape(0), false, false);
            if (!merged) pooled = norm.forward(pooled);
            kv = pooled.transpose(0, 2, 1);
        }
        NDArray out = Attention.attend(queries, Attention.splitHeads(k.forward(kv), heads),
                Attention.splitHeads(v.forward(kv), heads), scale, null);
        return proj.forward(Attention.mergeHeads(out));
    }

    /**
     * ONNX form. The scale d^-½ is folded into the q projection (one rounding of W·scale instead of
     * a Mul on every score); the token pool is a 1-D AveragePool (floor mode drops the trailing
     * tokens exactly as the official {@code AvgPool1d}) on the B×C×N view.
     */
    @Override
    public String toOnnx(OnnxGraph g, String x) {
        String s = g.scopeOf(this);
        String queries = Attention.splitHeadsOnnx(g, s + "/q", q.toOnnx(g, x, scale), heads);
        String kv = x;
        if (sr > 1) {
            int window = sr * sr;
            String channelsFirst = g.transpose(x, s + "/pool_in", 0, 2, 1);
            String pooled = g.add(OnnxOp.AVERAGE_POOL, s + "/pool", List.of(channelsFirst),
                    OnnxAttr.ints("kernel_shape", window), OnnxAttr.ints("strides", window), OnnxAttr.ints("pads", 0, 0),
                    OnnxAttr.i("ceil_mode", 0), OnnxAttr.i("count_include_pad", 0));
            if (!merged) pooled = norm.toOnnx(g, pooled);
            kv = g.transpose(pooled, s + "/pooled_tokens", 0, 2, 1);
        }
        String out = Attention.attendOnnx(g, s + "/attn", queries, Attention.splitHeadsOnnx(g, s + "/k", k.toOnnx(g, kv), heads),
                Attention.splitHeadsOnnx(g, s + "/v", v.toOnnx(g, kv), heads), 1.0, null);
        return proj.toOnnx(g, Attention.mergeHeadsOnnx(g, s, out));
    }

    /** Minimum token count (one full pooling window). */
    int minTokens() {
        return sr * sr;
    }

    /** Folds the block's pre-norm (and, with token pooling, this module's BN1d) into q, k, v. */
    void mergeBatchNorm(double[][] preNorm) {
        BatchNormFold.foldInto(q.weight(), q.bias(), preNorm);
        double[][] kvAffine = sr > 1 ? BatchNormFold.compose(preNorm, norm.affine()) : preNorm;
        BatchNormFold.foldInto(k.weight(), k.bias(), kvAffine);
        BatchNormFold.foldInto(v.weight(), v.bias(), kvAffine);
        merged = true;
    }
}
