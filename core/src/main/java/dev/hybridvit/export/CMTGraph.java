package dev.hybridvit.export;

import static dev.hybridvit.export.Emitters.emit;

import dev.hybridvit.export.onnx.OnnxGraph;
import dev.hybridvit.export.onnx.OnnxOp;
import dev.hybridvit.models.cmt.CMT;
import dev.hybridvit.models.cmt.CMTBlock;
import dev.hybridvit.models.cmt.CMTPatchEmbed;
import dev.hybridvit.models.cmt.InvertedResidualFFN;
import dev.hybridvit.models.cmt.LightweightAttention;
import dev.hybridvit.nn.BatchNorm;
import dev.hybridvit.nn.Conv2d;
import java.util.ArrayList;
import java.util.List;

/**
 * CMT as an ONNX graph. The plain form mirrors each block's forward (residual stream in tokens).
 * The deploy form, equal up to float rounding, keeps the residual stream a map that ORT holds in
 * its blocked NCHWc layout from block to block; only the LayerNorms and the attention core see
 * tokens. It folds the LPU's skip into its depthwise conv and each LayerNorm's γ, β into the
 * linear ops after it, runs the LayerNorms as InstanceNormalization, lets ORT fuse both residual
 * Adds into the 1×1 convs that end each branch, and zero-pads channel counts ORT cannot block
 * (CMT-Ti's 46-channel stage, the IRFFN's hidden widths). docs/performance.md has the measurements.
 */
final class CMTGraph {
    private CMTGraph() {}

    static void addTo(Emitters.Table t) {
        t.add(CMT.class, CMTGraph::model)
                .addStages(CMT.class, CMTGraph::stages)
                .add(CMTPatchEmbed.class, CMTGraph::patchEmbed)
                .add(CMTBlock.class, CMTGraph::block)
                .add(LightweightAttention.class, CMTGraph::attentionOnMap)
                .add(InvertedResidualFFN.class, (g, f, x) -> ffn(g, f, x, null));
    }

    /** Stem → per stage a patch embedding and its blocks → 1×1 conv → BN → Swish → pool → linear. */
    private static String model(OnnxGraph g, CMT m, String x) {
        List<String> streams = streams(g, m, x);
        Emitters.offerStages(g, streams.size(), i -> unpadded(g, m, i, streams.get(i)));
        x = streams.get(m.numStages() - 1);
        x = emit(g, m.swish, emit(g, m.fcNorm, convOnStream(g, m.fc, x)));
        String pooled = LayerForms.globalPool(g, "head/pool", x);
        g.offer(Exporter.EMBEDDING, () -> pooled);
        return emit(g, m.head, emit(g, m.drop, pooled));
    }

    /** Each stage's output as it flows on: in the deploy form with zero channels padded to a width ORT can block. */
    private static List<String> streams(OnnxGraph g, CMT m, String x) {
        x = emit(g, m.stem, x);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < m.numStages(); i++) {
            String map = emit(g, m.patchEmbed(i), x);
            // the deploy form's residual stream in channels ORT can block (CMT-Ti's 46 → 48, zeros)
            if (g.deploy())
                map = OnnxForms.padChannels(
                        g, "stage" + (i + 1), map, 1, OnnxForms.streamChannels(m.stageChannels()[i]));
            out.add(x = emit(g, m.stageBlocks(i), map));
        }
        return out;
    }

    /** The stage outputs as features: the deploy stream's padding removed. */
    private static List<String> stages(OnnxGraph g, CMT m, String x) {
        List<String> streams = streams(g, m, x), out = new ArrayList<>();
        for (int i = 0; i < streams.size(); i++) out.add(unpadded(g, m, i, streams.get(i)));
        return out;
    }

    /** Stage {@code i}'s stream without the deploy form's padding channels. */
    private static String unpadded(OnnxGraph g, CMT m, int i, String stream) {
        long c = m.stageChannels()[i], p = g.shape(stream)[1];
        return p == c ? stream : g.split(stream, "stage" + (i + 1) + "/unpad_channels", 1, c, p - c)[0];
    }

    /** {@code conv} on a map that may carry zero-padded channels past {@code conv.in} (a deploy-form stream). */
    private static String convOnStream(OnnxGraph g, Conv2d conv, String x) {
        if (g.shape(x)[1] == conv.in) return emit(g, conv, x);
        float[][] wb = OnnxForms.weights(conv, null);
        return OnnxForms.convOnPadded(g, conv, x, wb[0], wb[1], g.scopeOf(conv) + "_padded_input");
    }

    /** 2×2 stride-2 conv, then the LayerNorm on tokens. */
    private static String patchEmbed(OnnxGraph g, CMTPatchEmbed p, String x) {
        String s = g.scopeOf(p);
        String y = convOnStream(g, p.proj, x);
        long[] shape = g.shape(y);
        String tokens = emit(g, p.norm, OnnxForms.tokens(g, s, y));
        return OnnxForms.map(g, s, tokens, shape[1], shape[2], shape[3]);
    }

    /**
     * The plain form, step by step as {@link CMTBlock#forward}: the residual stream in tokens; the
     * LPU and the IRFFN (map-to-map networks) see it as a map through {@link OnnxForms#map} and
     * {@link OnnxForms#tokens}, whose Transposes ORT folds into its NCHWc reorders.
     */
    private static String block(OnnxGraph g, CMTBlock b, String x) {
        String s = g.scopeOf(b);
        long[] shape = g.shape(x);
        long c = shape[1], h = shape[2], w = shape[3];
        if (g.deploy()) return deployBlock(g, b, x, h, w);
        if (b.lpu != null) x = g.add(OnnxOp.ADD, s + "/lpu_residual", List.of(emit(g, b.lpu, x), x));
        String t = OnnxForms.tokens(g, s, x);
        t = g.add(
                OnnxOp.ADD,
                s + "/attn_residual",
                List.of(t, emit(g, b.dropPath, attentionOnTokens(g, b.attn, emit(g, b.norm1, t), h, w))));
        String ffn = OnnxForms.tokens(
                g, s + "/mlp_out", emit(g, b.mlp, OnnxForms.map(g, s + "/mlp_in", emit(g, b.norm2, t), c, h, w)));
        t = g.add(OnnxOp.ADD, s + "/mlp_residual", List.of(t, emit(g, b.dropPath, ffn)));
        return OnnxForms.map(g, s, t, c, h, w);
    }

    /** The deploy form of a block on the (possibly zero-padded) map stream; see the class comment. */
    private static String deployBlock(OnnxGraph g, CMTBlock b, String x, long h, long w) {
        String s = g.scopeOf(b);
        long p = g.shape(x)[1];
        int c = b.norm1.channels; // p > c on a zero-padded stream: the norms see the first c
        if (b.lpu != null) x = OnnxForms.convPlusInput(g, b.lpu, x);
        LayerForms.Normalized n1 = LayerForms.normalize(
                g, b.norm1, OnnxForms.unpadTokens(g, s + "/attn_in", OnnxForms.tokens(g, s + "/attn_in", x), c));
        x = g.add(
                OnnxOp.ADD,
                s + "/attn_residual",
                List.of(emit(g, b.dropPath, deployAttention(g, b.attn, n1.value(), h, w, n1.affine(), p)), x));
        String normIn = OnnxForms.unpadTokens(g, s + "/mlp_in", OnnxForms.tokens(g, s + "/mlp_in", x), c);
        String ffn;
        if (b.mlp instanceof InvertedResidualFFN irffn) {
            LayerForms.Normalized n2 = LayerForms.normalize(g, b.norm2, normIn);
            String ffnIn = OnnxForms.padChannels(g, s + "/mlp_in", n2.value(), 2, p);
            ffn = ffn(g, irffn, OnnxForms.map(g, s + "/mlp_in", ffnIn, p, h, w), n2.affine());
        } else { // a plain FFN: the whole norm in the graph, the stream's zero channels restored after
            String mlp = emit(g, b.mlp, OnnxForms.map(g, s + "/mlp_in", emit(g, b.norm2, normIn), c, h, w));
            ffn = OnnxForms.padChannels(g, s + "/mlp_out", mlp, 1, p);
        }
        return g.add(OnnxOp.ADD, s + "/mlp_residual", List.of(emit(g, b.dropPath, ffn), x));
    }

    /**
     * LMHSA on tokens (B×N×C → B×N×C): d^-½ folded into the q projection (so the bias is added to
     * exactly the scaled scores, as in the official order), the key/value reduction as a stride-k
     * depthwise Conv + BN, the stage's relative position bias as one shared initializer.
     */
    private static String attentionOnTokens(OnnxGraph g, LightweightAttention a, String x, long h, long w) {
        String s = g.scopeOf(a);
        long c = g.shape(x)[2];
        String queries = AttentionForms.splitHeads(g, s + "/q", LayerForms.linear(g, a.q, x, a.scale, null), a.heads);
        String kv = x;
        if (a.sr != null)
            kv = OnnxForms.tokens(g, s + "/sr_out", reduction(g, a, OnnxForms.map(g, s + "/sr_in", x, c, h, w), null));
        String out = AttentionForms.attendTransposed(
                g,
                s + "/attn",
                queries,
                AttentionForms.splitHeadsTransposed(g, s + "/k", emit(g, a.k, kv), a.heads),
                AttentionForms.splitHeads(g, s + "/v", emit(g, a.v, kv), a.heads),
                1.0,
                relativePosition(g, a));
        return emit(g, a.proj, AttentionForms.mergeHeads(g, s, out));
    }

    /** The module contract on a map (B×C×H×W → B×C×H×W), for a graph of the attention alone. */
    private static String attentionOnMap(OnnxGraph g, LightweightAttention a, String x) {
        long[] shape = g.shape(x);
        String tokens = OnnxForms.tokens(g, g.scopeOf(a) + "/in", x);
        if (g.deploy()) return deployAttention(g, a, tokens, shape[2], shape[3], null, shape[1]);
        return OnnxForms.map(
                g,
                g.scopeOf(a) + "/out",
                attentionOnTokens(g, a, tokens, shape[2], shape[3]),
                shape[1],
                shape[2],
                shape[3]);
    }

    /**
     * The deploy form from B×N×C tokens to the B×C×h×w output map (the block's residual stream):
     * q as MatMul + bias on the tokens, with d^-½ and the LayerNorm's γ, β ({@code preAffine}, or
     * null) folded in; keys and values as bias-free 1×1 convs on the reduced map (or, without a
     * reduction, the LayerNorm'd map, with γ, β folded into them), whose outputs already are the
     * transposed per-head keys and values {@link AttentionForms#attendMaps} wants. k's bias drops
     * out of the softmax and v's moves into the projection, a 1×1 conv on the context map, to which
     * ORT fuses the block's residual Add.
     */
    private static String deployAttention(
            OnnxGraph g, LightweightAttention a, String x, long h, long w, double[][] preAffine, long stream) {
        String s = g.scopeOf(a);
        int c = a.k.in;
        String queries = LayerForms.linear(g, a.q, x, a.scale, preAffine);
        String map = OnnxForms.map(g, s + "/in", x, c, h, w);
        String source = a.sr == null ? map : reduction(g, a, map, preAffine);
        double[][] kvAffine = a.sr == null ? preAffine : null;
        float[][] values = OnnxForms.weights(a.v, 1.0, kvAffine);
        float[] noBias = new float[c];
        String context = AttentionForms.attendMaps(
                g,
                s + "/attn",
                queries,
                OnnxForms.pointwise(g, g.scopeOf(a.k), source, OnnxForms.weights(a.k, 1.0, kvAffine)[0], noBias, c, c),
                OnnxForms.pointwise(g, g.scopeOf(a.v), source, values[0], noBias, c, c),
                a.heads,
                relativePosition(g, a),
                h,
                w);
        float[][] projFolded = AttentionForms.projectionWithValueBias(a.proj, values[1]);
        int p = (int) stream; // the residual stream's channels, zero-padded past c
        float[] projWeight = OnnxForms.padOutputs(OnnxForms.padInputs(projFolded[0], c, c, p), c, p);
        return OnnxForms.pointwise(
                g,
                g.scopeOf(a.proj),
                OnnxForms.padChannels(g, s + "/context", context, 1, p),
                projWeight,
                OnnxForms.padOutputs(projFolded[1], c, p),
                p,
                p);
    }

    /** The stage's relative position bias (heads × N × M) as one initializer shared by its blocks. */
    private static String relativePosition(OnnxGraph g, LightweightAttention a) {
        var bias = a.relativePosition();
        return g.initializer(
                bias, "relative_pos", bias::toFloatArray, bias.getShape().getShape());
    }

    /** The key/value reduction conv + BN, with a LayerNorm's γ, β ({@code preAffine}) folded in front when given. */
    private static String reduction(OnnxGraph g, LightweightAttention a, String map, double[][] preAffine) {
        if (preAffine == null) return emit(g, a.sr, map);
        Conv2d conv = (Conv2d) a.sr.get(0);
        if (!((BatchNorm) a.sr.get(1)).isFolded())
            throw new IllegalStateException("the deploy graph needs a reparameterised CMT");
        float[][] folded = OnnxForms.weights(conv, preAffine);
        return OnnxForms.conv(g, conv, map, folded[0], folded[1], g.scopeOf(conv) + "_norms_folded");
    }

    /**
     * IRFFN; {@code preAffine}: a LayerNorm's γ, β still to be applied to {@code x} (deploy form
     * only), or null. The deploy form folds that affine into the expansion conv and the depthwise
     * conv's skip into its centre tap, and zero-pads the hidden width to whole NCHWc blocks
     * ({@link OnnxForms#nchwcChannels}): the extra channels stay exactly 0 through GELU, BN and the
     * depthwise conv, and the projection ignores them. The BN after the first GELU stays a node.
     */
    private static String ffn(OnnxGraph g, InvertedResidualFFN f, String x, double[][] preAffine) {
        if (!g.deploy()) {
            if (preAffine != null)
                throw new IllegalArgumentException("a pre-norm affine is folded only in the deploy form");
            String y = emit(g, f.conv1, x);
            y = g.add(OnnxOp.ADD, g.scopeOf(f) + "/dw_residual", List.of(emit(g, f.proj, y), y));
            return emit(g, f.conv2, emit(g, f.projBn, emit(g, f.projAct, y)));
        }
        Conv2d expand = (Conv2d) f.conv1.get(0), pw = (Conv2d) f.conv2.get(0);
        BatchNorm expandBn = (BatchNorm) f.conv1.get(2);
        if (!f.projBn.isFolded() || !((BatchNorm) f.conv2.get(1)).isFolded()) {
            throw new IllegalStateException("the deploy graph needs a reparameterised CMT");
        }
        int dim = expand.in, hidden = expand.out, padded = OnnxForms.nchwcChannels(hidden);
        int stream = (int) g.shape(x)[1]; // > dim on a zero-padded residual stream

        float[][] e = OnnxForms.weights(expand, preAffine);
        float[] b = e[1] == null ? new float[hidden] : e[1];
        float[] expandWeight = OnnxForms.padInputs(OnnxForms.padOutputs(e[0], hidden, padded), padded, dim, stream);
        String y = OnnxForms.conv(
                g,
                expand,
                x,
                expandWeight,
                OnnxForms.padOutputs(b, hidden, padded),
                g.scopeOf(expand) + "_deploy",
                stream,
                padded);
        y = LayerForms.batchNormPadded(g, expandBn, emit(g, f.conv1.get(1), y), padded);

        float[][] d = OnnxForms.weights(f.proj, null);
        float[] dw = OnnxForms.plusIdentity(f.proj, d[0]);
        float[] dwBias = d[1] == null ? new float[hidden] : d[1];
        y = OnnxForms.conv(
                g,
                f.proj,
                y,
                OnnxForms.padOutputs(dw, hidden, padded),
                OnnxForms.padOutputs(dwBias, hidden, padded),
                g.scopeOf(f.proj) + "_skip_folded",
                padded,
                padded);
        y = emit(g, f.projAct, y);

        float[][] both = OnnxForms.weights(pw, null); // proj_bn and conv2's BN are folded in
        return OnnxForms.conv(
                g,
                pw,
                y,
                OnnxForms.padOutputs(OnnxForms.padInputs(both[0], dim, hidden, padded), dim, stream),
                OnnxForms.padOutputs(both[1], dim, stream),
                g.scopeOf(pw) + "_bn_folded",
                padded,
                stream);
    }
}
