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
import dev.hybridvit.nn.OnnxForms;

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

    /**
     * Deploy form (BNs merged) on the NTB's map, B×C×H×W → B×C×H×W, equal up to float rounding and
     * without a token layout: q and the output projection are 1×1 convs (ORT runs them blocked),
     * keys and values one MatMul with the stacked k, v weights on the pooled B×C×M view, and every
     * head tensor comes out transposed (B×h×d×N) from a Reshape: scores = (qᵀ)ᵀ·kᵀ and
     * contextᵀ = vᵀ·Pᵀ, transposes ORT fuses into its MatMul. k's bias drops out and v's moves into
     * the projection (see {@link Attention#keyValueTransposedOnnx}, {@link Attention#projectionWithValueBias}).
     */
    String mapOnnx(OnnxGraph g, String x) {
        if (!merged) throw new IllegalStateException("the map form is the deploy form: merge the BNs first");
        String s = g.scopeOf(this);
        long[] shape = g.shape(x);
        int c = (int) shape[1], d = c / heads;
        long h = shape[2], w = shape[3], n = h * w;

        float[][] qs = q.hostWeights(scale, null);
        String queriesT = g.reshape(OnnxForms.pointwise(g, g.scopeOf(q), x, qs[0], qs[1], c, c), s + "/q_t", 0, heads, d, n);

        String source = g.reshape(x, s + "/flat", 0, c, n);
        if (sr > 1) {
            int window = sr * sr;
            source = g.add(OnnxOp.AVERAGE_POOL, s + "/pool", List.of(source),
                    OnnxAttr.ints("kernel_shape", window), OnnxAttr.ints("strides", window), OnnxAttr.ints("pads", 0, 0),
                    OnnxAttr.i("ceil_mode", 0), OnnxAttr.i("count_include_pad", 0));
        }
        String[] kvt = Attention.keyValueTransposedOnnx(g, s, Attention.stack(k.weight().value().toFloatArray(),
                v.weight().value().toFloatArray()), source, heads);

        String scores = g.add(OnnxOp.MATMUL, s + "/scores", List.of(g.transpose(queriesT, s + "/q", 0, 1, 3, 2), kvt[0]));
        String probs = g.add(OnnxOp.SOFTMAX, s + "/softmax", List.of(scores), OnnxAttr.i("axis", -1));
        String contextT = g.add(OnnxOp.MATMUL, s + "/context_t", List.of(kvt[1], g.transpose(probs, s + "/p_t", 0, 1, 3, 2)));

        float[][] p = Attention.projectionWithValueBias(proj, v.bias().value().toFloatArray());
        return OnnxForms.pointwise(g, g.scopeOf(proj), g.reshape(contextT, s + "/context_map", 0, c, h, w), p[0], p[1], c, c);
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
