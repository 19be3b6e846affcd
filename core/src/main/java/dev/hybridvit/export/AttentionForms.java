package dev.hybridvit.export;

import dev.hybridvit.export.onnx.OnnxAttr;
import dev.hybridvit.export.onnx.OnnxGraph;
import dev.hybridvit.export.onnx.OnnxOp;
import dev.hybridvit.nn.Attention;
import dev.hybridvit.nn.Linear;
import java.util.List;

/** ONNX forms of scaled dot-product attention ({@link Attention}) and its head layouts. */
final class AttentionForms {
    private AttentionForms() {}

    /**
     * ONNX form of {@link Attention#attend}: MatMul(q, kᵀ) [· scale] [+ bias] → Softmax → MatMul(·, v).
     * Pass {@code scale = 1} when the scale is already folded into the q projection, and a null
     * bias name for none.
     */
    static String attend(OnnxGraph g, String hint, String q, String k, String v, double scale, String bias) {
        return attendTransposed(g, hint, q, g.transpose(k, hint + "/k_t", 0, 1, 3, 2), v, scale, bias);
    }

    /** {@link #attend} with the keys already as B×h×d×Nk (see {@link #splitHeadsTransposed}). */
    static String attendTransposed(OnnxGraph g, String hint, String q, String kt, String v, double scale, String bias) {
        String scores = g.add(OnnxOp.MATMUL, hint + "/scores", List.of(q, kt));
        if (scale != 1.0) scores = g.add(OnnxOp.MUL, hint + "/scaled", List.of(scores, g.scalar((float) scale)));
        if (bias != null) scores = g.add(OnnxOp.ADD, hint + "/biased", List.of(scores, bias));
        String attn = g.add(OnnxOp.SOFTMAX, hint + "/softmax", List.of(scores), OnnxAttr.i("axis", -1));
        return g.add(OnnxOp.MATMUL, hint + "/context", List.of(attn, v));
    }

    /**
     * Keys and values per head, both transposed (B×h×d×M), from one MatMul of the stacked k, v
     * weights (2C×C, {@code kv} rows 0..C−1 the keys') with a channels-first source B×C×M — no
     * Transpose needed. Biases are left out: a key bias adds q·b_k to a whole score row, which
     * softmax ignores; for the value bias see {@link #projectionWithValueBias}.
     */
    static String[] keyValueTransposed(OnnxGraph g, String hint, float[] kv, String source, int heads) {
        long[] s = g.shape(source);
        long c = s[1], m = s[2];
        String both =
                g.add(OnnxOp.MATMUL, hint + "/kv_t", List.of(g.initializer(hint + ".kv.weight", kv, 2 * c, c), source));
        return g.split(
                g.reshape(both, hint + "/kv_t_heads", 0, 2L * heads, c / heads, m),
                hint + "/kv_split",
                1,
                heads,
                heads);
    }

    /**
     * Attention whose keys, values and output are channels-first maps (B×C×…), for forms that
     * keep the residual stream as a map: a map viewed as B×h×d×M already is the keys transposed
     * per head, and the context computed transposed, vᵀ·attnᵀ (B×h×d×N), already is the output
     * map, so neither needs a Transpose. Queries are B×N×C tokens; {@code bias} (h×N×M, or null)
     * is added to the scores. With a batch of 1 the batch axis is dropped, so the heads are the
     * MatMul batch and ORT folds the query's head split and attnᵀ into its MatMuls (FusedMatMul);
     * with another batch ORT folds attnᵀ and the query split stays a Transpose.
     * Returns the B×C×h×w context.
     */
    static String attendMaps(
            OnnxGraph g, String hint, String q, String keys, String values, int heads, String bias, long h, long w) {
        long[] ks = g.shape(keys);
        long c = ks[1], m = ks[2] * ks[3], n = h * w, d = c / heads;
        boolean one = ks[0] == 1;
        String qh = one
                ? g.transpose(g.reshape(q, hint + "/q_heads", n, heads, d), hint + "/q_heads_t", 1, 0, 2)
                : g.transpose(g.reshape(q, hint + "/q_heads", 0, n, heads, d), hint + "/q_heads_t", 0, 2, 1, 3);
        String kt = one ? g.reshape(keys, hint + "/k_t", heads, d, m) : g.reshape(keys, hint + "/k_t", 0, heads, d, m);
        String vt =
                one ? g.reshape(values, hint + "/v_t", heads, d, m) : g.reshape(values, hint + "/v_t", 0, heads, d, m);
        String scores = g.add(OnnxOp.MATMUL, hint + "/scores", List.of(qh, kt));
        if (bias != null) scores = g.add(OnnxOp.ADD, hint + "/biased", List.of(scores, bias));
        String attn = g.add(OnnxOp.SOFTMAX, hint + "/softmax", List.of(scores), OnnxAttr.i("axis", -1));
        String attnT =
                one ? g.transpose(attn, hint + "/attn_t", 0, 2, 1) : g.transpose(attn, hint + "/attn_t", 0, 1, 3, 2);
        String contextT = g.add(OnnxOp.MATMUL, hint + "/context_t", List.of(vt, attnT));
        return g.reshape(contextT, hint + "/context_map", one ? 1 : 0, c, h, w);
    }

    /** The k and v weights (each C×C, row-major) stacked for {@link #keyValueTransposed}. */
    static float[] stack(float[] k, float[] v) {
        float[] kv = java.util.Arrays.copyOf(k, k.length + v.length);
        System.arraycopy(v, 0, kv, k.length, v.length);
        return kv;
    }

    /**
     * The output projection's {weight, bias} with a value bias folded in: softmax rows sum to 1,
     * so b_v adds b_v to every context row, which the projection maps to W·b_v.
     */
    static float[][] projectionWithValueBias(Linear proj, float[] valueBias) {
        double[] ones = new double[proj.in], shift = new double[proj.in];
        for (int i = 0; i < proj.in; i++) {
            ones[i] = 1;
            shift[i] = valueBias[i];
        }
        return OnnxForms.weights(proj, 1.0, new double[][] {ones, shift});
    }

    /** ONNX form of {@link Attention#splitHeads}; with one head a Reshape (ORT would copy for a Transpose that moves a 1). */
    static String splitHeads(OnnxGraph g, String hint, String x, int heads) {
        long[] s = g.shape(x);
        if (heads == 1) return g.reshape(x, hint + "/heads", 0, 1, s[1], s[2]);
        return g.transpose(g.reshape(x, hint + "/heads", 0, s[1], heads, s[2] / heads), hint + "/heads_t", 0, 2, 1, 3);
    }

    /** Keys B×N×C → B×heads×(C/heads)×N, the transposed heads q·kᵀ multiplies by, in one Transpose. */
    static String splitHeadsTransposed(OnnxGraph g, String hint, String x, int heads) {
        long[] s = g.shape(x);
        return g.transpose(g.reshape(x, hint + "/heads", 0, s[1], heads, s[2] / heads), hint + "/heads_t", 0, 2, 3, 1);
    }

    /** ONNX form of {@link Attention#mergeHeads} (a Reshape alone for one head). */
    static String mergeHeads(OnnxGraph g, String hint, String x) {
        long[] s = g.shape(x);
        if (s[1] == 1) return g.reshape(x, hint + "/merged", 0, s[2], s[3]);
        return g.reshape(g.transpose(x, hint + "/merge_t", 0, 2, 1, 3), hint + "/merged", 0, s[2], s[1] * s[3]);
    }
}
