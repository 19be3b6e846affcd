package dev.hybridvit.models.cmt;

import ai.djl.ndarray.NDArray;
import dev.hybridvit.deploy.onnx.OnnxGraph;
import dev.hybridvit.deploy.onnx.OnnxOp;
import dev.hybridvit.nn.Attention;
import dev.hybridvit.nn.BatchNorm;
import dev.hybridvit.nn.BatchNormFold;
import dev.hybridvit.nn.Conv2d;
import dev.hybridvit.nn.Init;
import dev.hybridvit.nn.Linear;
import dev.hybridvit.nn.Module;
import dev.hybridvit.nn.OnnxForms;
import dev.hybridvit.nn.Sequential;

import java.util.List;
import java.util.function.Supplier;

/**
 * LMHSA (lightweight multi-head self-attention, CMT §3.2): queries from every token; keys and
 * values from the tokens reduced by a k×k stride-k depthwise convolution + BN (key {@code sr},
 * only when k &gt; 1), applied to the same LayerNorm'd tokens the queries see;
 * softmax(Q·Kᵀ·d^-0.5 + B) with the stage's relative position bias B (heads × N × N/k²) added
 * after the scaling; then a linear projection. Keys {@code q, k, v, proj, sr.0, sr.1}.
 */
final class LightweightAttention extends Module {
    private final Linear q, k, v, proj;
    private final Sequential sr;
    private final int heads, ratio;
    private final double scale;
    private final Supplier<NDArray> relativePos;

    /** @param relativePos the stage's current bias (a root parameter shared by the stage's blocks) */
    LightweightAttention(int dim, int heads, int ratio, Supplier<NDArray> relativePos) {
        this.heads = heads;
        this.ratio = ratio;
        this.scale = Math.pow(dim / heads, -0.5);
        this.relativePos = relativePos;
        q = register("q", new Linear(dim, dim, true));
        k = register("k", new Linear(dim, dim, true));
        v = register("v", new Linear(dim, dim, true));
        proj = register("proj", new Linear(dim, dim, true));
        sr = ratio > 1 ? register("sr", new Sequential(
                new Conv2d(dim, dim, ratio, ratio, 0, dim, true, Init.kaimingNormalFanOut()),
                new BatchNorm(dim))) : null;
    }

    /** Tokens B×N×C on an h×w grid → B×N×C. */
    NDArray forward(NDArray x, long h, long w) {
        var s = x.getShape();
        long b = s.get(0), c = s.get(2);
        NDArray queries = Attention.splitHeads(q.forward(x), heads);
        NDArray kv = x;
        if (sr != null) {
            NDArray reduced = sr.forward(x.transpose(0, 2, 1).reshape(b, c, h, w));
            kv = reduced.reshape(b, c, -1).transpose(0, 2, 1);
        }
        NDArray out = Attention.attend(queries, Attention.splitHeads(k.forward(kv), heads),
                Attention.splitHeads(v.forward(kv), heads), scale, relativePos.get());
        return proj.forward(Attention.mergeHeads(out));
    }

    /**
     * ONNX form on tokens: d^-½ folded into the q projection (so the bias is added to exactly the
     * scaled scores, as in the official order), the key/value reduction as a stride-k depthwise
     * Conv (+ its BN, folded in the deploy form), the stage's relative position bias as one shared
     * initializer. {@code preAffine}: the LayerNorm's γ, β still to be applied to {@code x} (deploy
     * form), folded into q and into the reduction conv (exact: it does not pad) or, without one,
     * into k and v; null when already applied. The deploy form has two variants: batch 1
     * ({@link #batchOneOnnx}) and any other batch ({@link #deployOnnx}).
     */
    String toOnnx(OnnxGraph g, String x, long h, long w, double[][] preAffine) {
        if (g.foldBatchNorm() && g.shape(x)[0] == 1) return batchOneOnnx(g, x, h, w, preAffine);
        if (g.foldBatchNorm() && sr != null) return deployOnnx(g, x, h, w, preAffine);
        String s = g.scopeOf(this);
        long c = g.shape(x)[2];
        String queries = Attention.splitHeadsOnnx(g, s + "/q", q.toOnnx(g, x, scale, preAffine), heads);
        String kv = x;
        double[][] kvAffine = preAffine;
        if (sr != null) {
            String map = OnnxForms.map(g, s + "/sr_in", x, c, h, w);
            kv = OnnxForms.tokens(g, s + "/sr_out", reductionOnnx(g, map, preAffine));
            kvAffine = null;
        }
        String biasName = relativePosOnnx(g);
        String out = Attention.attendTransposedOnnx(g, s + "/attn", queries,
                Attention.splitHeadsTransposedOnnx(g, s + "/k", k.toOnnx(g, kv, 1.0, kvAffine), heads),
                Attention.splitHeadsOnnx(g, s + "/v", v.toOnnx(g, kv, 1.0, kvAffine), heads), 1.0, biasName);
        return proj.toOnnx(g, Attention.mergeHeadsOnnx(g, s, out));
    }

    /**
     * The deploy form with a key/value reduction for any batch other than a fixed 1 (dynamic or
     * larger), equal up to float rounding: keys and values are
     * projected straight from the reduced map (B×C×M) by one MatMul with the stacked k, v weights,
     * which yields kᵀ and vᵀ per head without a Transpose (vᵀ's is fused into the context MatMul
     * by ORT); k's bias drops out and v's moves into the projection (see
     * {@link Attention#keyValueTransposedOnnx}, {@link Attention#projectionWithValueBias}).
     */
    private String deployOnnx(OnnxGraph g, String x, long h, long w, double[][] preAffine) {
        String s = g.scopeOf(this);
        int c = k.in;
        String queries = Attention.splitHeadsOnnx(g, s + "/q", q.toOnnx(g, x, scale, preAffine), heads);
        String reduced = reductionOnnx(g, OnnxForms.map(g, s + "/sr_in", x, c, h, w), preAffine);
        long[] rs = g.shape(reduced);
        String[] kvt = Attention.keyValueTransposedOnnx(g, s, Attention.stack(k.weight().value().toFloatArray(),
                v.weight().value().toFloatArray()), g.reshape(reduced, s + "/sr_flat", 0, c, rs[2] * rs[3]), heads);
        String biasName = relativePosOnnx(g);
        String out = Attention.attendTransposedOnnx(g, s + "/attn", queries, kvt[0],
                g.transpose(kvt[1], s + "/v", 0, 1, 3, 2), 1.0, biasName);
        float[][] projFolded = Attention.projectionWithValueBias(proj, v.bias().value().toFloatArray());
        return OnnxForms.linear(g, g.scopeOf(proj), Attention.mergeHeadsOnnx(g, s, out), projFolded[0], projFolded[1], c, c);
    }

    /**
     * The deploy form for a graph whose batch is 1 (what the latency benchmark exports): heads as
     * the MatMul batch axis, so that ORT folds every head split into its MatMuls (see
     * {@link Attention#attendBatchOneOnnx}); keys and values projected from the (reduced) tokens
     * by two bias-free MatMuls with the small reduced tokens as rows (faster than the stacked
     * channels-first MatMul of {@link #deployOnnx}, whose constant left operand ORT cannot
     * prepack); k's bias drops out of the softmax, v's moves into the projection. Also used
     * without a reduction (stage 4). cmt_s −1.1 ms against the {@link #deployOnnx} form.
     */
    private String batchOneOnnx(OnnxGraph g, String x, long h, long w, double[][] preAffine) {
        String s = g.scopeOf(this);
        int c = k.in;
        String source = x;
        double[][] kvAffine = preAffine;
        if (sr != null) {
            source = OnnxForms.tokens(g, s + "/sr_out", reductionOnnx(g, OnnxForms.map(g, s + "/sr_in", x, c, h, w), preAffine));
            kvAffine = null;
        }
        String biasName = relativePosOnnx(g);
        float[][] values = v.hostWeights(1.0, kvAffine);
        String context = Attention.attendBatchOneOnnx(g, s + "/attn", q.toOnnx(g, x, scale, preAffine),
                OnnxForms.linear(g, g.scopeOf(k), source, k.hostWeights(1.0, kvAffine)[0], null, c, c),
                OnnxForms.linear(g, g.scopeOf(v), source, values[0], null, c, c), heads, biasName);
        float[][] projFolded = Attention.projectionWithValueBias(proj, values[1]);
        return OnnxForms.linear(g, g.scopeOf(proj), context, projFolded[0], projFolded[1], c, c);
    }

    /** The stage's relative position bias (heads × N × M) as one initializer shared by its blocks. */
    private String relativePosOnnx(OnnxGraph g) {
        NDArray bias = relativePos.get();
        return g.initializer(bias, "relative_pos", bias::toFloatArray, bias.getShape().getShape());
    }

    /** The key/value reduction conv + BN, with a pre-norm affine folded in front when given. */
    private String reductionOnnx(OnnxGraph g, String map, double[][] preAffine) {
        Conv2d conv = (Conv2d) sr.get(0);
        BatchNorm bn = (BatchNorm) sr.get(1);
        if (preAffine == null) return OnnxForms.convBn(g, conv, bn, map);
        float[][] pre = conv.hostWeights(preAffine);
        float[][] both = BatchNormFold.foldAfter(pre[0], pre[1], conv.out, bn.affine());
        return OnnxForms.conv(g, conv, map, both[0], both[1], g.scopeOf(conv) + "_norms_folded");
    }

    @Override
    public String toOnnx(OnnxGraph g, String x) {
        long[] shape = g.shape(x);
        String s = g.scopeOf(this);
        String out = toOnnx(g, OnnxForms.tokens(g, s + "/in", x), shape[2], shape[3], null);
        return OnnxForms.map(g, s + "/out", out, shape[1], shape[2], shape[3]);
    }

    /** The module contract on a feature map: B×C×H×W → B×C×H×W (tokens in raster order). */
    @Override
    public NDArray forward(NDArray x) {
        var s = x.getShape();
        long b = s.get(0), c = s.get(1), h = s.get(2), w = s.get(3);
        NDArray out = forward(x.reshape(b, c, h * w).transpose(0, 2, 1), h, w);
        return out.transpose(0, 2, 1).reshape(b, c, h, w);
    }

    int ratio() { return ratio; }
}
