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
     * The plain ONNX form on tokens (B×N×C → B×N×C): d^-½ folded into the q projection (so the
     * bias is added to exactly the scaled scores, as in the official order), the key/value
     * reduction as a stride-k depthwise Conv + BN, the stage's relative position bias as one
     * shared initializer. The deploy form is {@link #mapOnnx}.
     */
    String toOnnx(OnnxGraph g, String x, long h, long w) {
        String s = g.scopeOf(this);
        long c = g.shape(x)[2];
        String queries = Attention.splitHeadsOnnx(g, s + "/q", q.toOnnx(g, x, scale), heads);
        String kv = x;
        if (sr != null) {
            String map = OnnxForms.map(g, s + "/sr_in", x, c, h, w);
            kv = OnnxForms.tokens(g, s + "/sr_out", reductionOnnx(g, map, null));
        }
        String out = Attention.attendTransposedOnnx(g, s + "/attn", queries,
                Attention.splitHeadsTransposedOnnx(g, s + "/k", k.toOnnx(g, kv), heads),
                Attention.splitHeadsOnnx(g, s + "/v", v.toOnnx(g, kv), heads), 1.0, relativePosOnnx(g));
        return proj.toOnnx(g, Attention.mergeHeadsOnnx(g, s, out));
    }

    /**
     * The deploy form, equal up to float rounding, from B×N×C tokens to the B×C×h×w output map
     * (the residual stream of {@link CMTBlock}'s deploy form): q as MatMul + bias on the tokens,
     * with d^-½ and the LayerNorm's γ, β ({@code preAffine}, or null) folded in; keys and values
     * as bias-free 1×1 convs on the reduced map (or, without a reduction, the LayerNorm'd map,
     * with γ, β folded into them), whose outputs are already the transposed per-head keys and
     * values {@link Attention#attendMapsOnnx} wants. k's bias drops out of the softmax and v's
     * moves into the projection, a 1×1 conv on the context map, to which ORT fuses the block's
     * residual Add (see {@link CMTBlock} for the measured gain).
     */
    String mapOnnx(OnnxGraph g, String x, long h, long w, double[][] preAffine, long stream) {
        String s = g.scopeOf(this);
        int c = k.in;
        String queries = q.toOnnx(g, x, scale, preAffine);
        String map = OnnxForms.map(g, s + "/in", x, c, h, w);
        String source = sr == null ? map : reductionOnnx(g, map, preAffine);
        double[][] kvAffine = sr == null ? preAffine : null;
        float[][] values = v.hostWeights(1.0, kvAffine);
        float[] noBias = new float[c];
        String context = Attention.attendMapsOnnx(g, s + "/attn", queries,
                OnnxForms.pointwise(g, g.scopeOf(k), source, k.hostWeights(1.0, kvAffine)[0], noBias, c, c),
                OnnxForms.pointwise(g, g.scopeOf(v), source, values[0], noBias, c, c), heads, relativePosOnnx(g), h, w);
        float[][] projFolded = Attention.projectionWithValueBias(proj, values[1]);
        int p = (int) stream; // the residual stream's channels, zero-padded past c (see CMT#stageOnnx)
        float[] projWeight = OnnxForms.padOutputs(OnnxForms.padInputs(projFolded[0], c, c, p), c, p);
        return OnnxForms.pointwise(g, g.scopeOf(proj), OnnxForms.padChannels(g, s + "/context", context, 1, p), projWeight,
                OnnxForms.padOutputs(projFolded[1], c, p), p, p);
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
        String tokens = OnnxForms.tokens(g, s + "/in", x);
        if (g.foldBatchNorm()) return mapOnnx(g, tokens, shape[2], shape[3], null, shape[1]);
        return OnnxForms.map(g, s + "/out", toOnnx(g, tokens, shape[2], shape[3]), shape[1], shape[2], shape[3]);
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
