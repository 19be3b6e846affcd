package dev.hybridvit.export;

import static dev.hybridvit.export.Emitters.emit;

import dev.hybridvit.export.onnx.OnnxAttr;
import dev.hybridvit.export.onnx.OnnxGraph;
import dev.hybridvit.export.onnx.OnnxOp;
import dev.hybridvit.models.trtvit.BottleNeck;
import dev.hybridvit.models.trtvit.MixBlockA;
import dev.hybridvit.models.trtvit.MixBlockB;
import dev.hybridvit.models.trtvit.MixBlockC;
import dev.hybridvit.models.trtvit.SpatialReductionAttention;
import dev.hybridvit.models.trtvit.Stage;
import dev.hybridvit.models.trtvit.TRTViT;
import dev.hybridvit.models.trtvit.TokenMlp;
import dev.hybridvit.models.trtvit.TransformerBlock;
import java.util.List;

/**
 * TRT-ViT as an ONNX graph. The plain form mirrors each block's forward; the deploy form (of the
 * reparameterised model, every conv's BN folded) runs the Transformer blocks' LayerNorms as
 * InstanceNormalization with γ, β folded into the linear ops that read them.
 */
final class TRTViTGraph {
    private TRTViTGraph() {}

    static void addTo(Emitters.Table t) {
        t.add(TRTViT.class, TRTViTGraph::model)
                .addStages(TRTViT.class, (g, m, x) -> Emitters.blockStages(g, m, m.stem, x))
                .add(TRTViT.Stem.class, (g, m, x) -> emit(g, m.pool, emit(g, m.act, emit(g, m.bn, emit(g, m.conv, x)))))
                .add(
                        TRTViT.Head.class,
                        (g, m, x) -> emit(
                                g,
                                m.fc,
                                LayerForms.globalPool(
                                        g, g.scopeOf(m) + "/pool", m.norm == null ? x : emit(g, m.norm, x))))
                .add(Stage.class, (g, m, x) -> emit(g, m.blocks, x))
                .add(BottleNeck.class, TRTViTGraph::bottleneck)
                .add(TransformerBlock.class, TRTViTGraph::transformer)
                .add(TokenMlp.class, (g, m, x) -> mlp(g, m, x, null))
                .add(MixBlockA.class, TRTViTGraph::mixA)
                .add(MixBlockB.class, (g, m, x) -> {
                    String local = emit(g, m.bottleneck, m.patchEmbed == null ? x : emit(g, m.patchEmbed, x));
                    return concat(g, g.scopeOf(m), local, emit(g, m.transformer, local));
                })
                .add(MixBlockC.class, (g, m, x) -> {
                    String global = emit(g, m.transformer, m.patchEmbed == null ? x : emit(g, m.patchEmbed, x));
                    return concat(g, g.scopeOf(m), global, emit(g, m.bottleneck, global));
                });
    }

    private static String model(OnnxGraph g, TRTViT m, String x) {
        List<String> stages = Emitters.blockStages(g, m, m.stem, x);
        Emitters.offerStages(g, stages.size(), stages::get);
        x = stages.get(3);
        String features = x;
        g.offer(Exporter.EMBEDDING, () -> LayerForms.globalPool(g, "embedding/pool", features));
        return emit(g, m.head, x);
    }

    private static String bottleneck(OnnxGraph g, BottleNeck b, String x) {
        String y = emit(g, b.act, emit(g, b.bn1, emit(g, b.conv1, x)));
        y = emit(g, b.act, emit(g, b.bn2, emit(g, b.conv2, y)));
        y = emit(g, b.dropPath, emit(g, b.bn3, emit(g, b.conv3, y)));
        String shortcut = b.downsample == null ? x : emit(g, b.downsample, x);
        return emit(g, b.act, g.add(OnnxOp.ADD, g.scopeOf(b) + "/residual", List.of(y, shortcut)));
    }

    private static String mixA(OnnxGraph g, MixBlockA b, String x) {
        String s = g.scopeOf(b);
        if (b.patchEmbed != null) x = emit(g, b.patchEmbed, x);
        String[] parts = g.split(x, s + "/split", 1, b.transformerWidth, g.shape(x)[1] - b.transformerWidth);
        return concat(g, s, emit(g, b.transformer, parts[0]), emit(g, b.bottleneck, parts[1]));
    }

    private static String concat(OnnxGraph g, String scope, String first, String second) {
        return g.add(OnnxOp.CONCAT, scope + "/concat", List.of(first, second), OnnxAttr.i("axis", 1));
    }

    private static String transformer(OnnxGraph g, TransformerBlock b, String x) {
        String s = g.scopeOf(b);
        if (b.patchEmbed != null) x = emit(g, b.patchEmbed, x);
        long[] shape = g.shape(x);
        long c = shape[1], h = shape[2], w = shape[3];
        String t = OnnxForms.tokens(g, s, x);
        LayerForms.Normalized n1 = LayerForms.normalize(g, b.norm1, t);
        t = g.add(
                OnnxOp.ADD,
                s + "/attn_residual",
                List.of(t, emit(g, b.dropPath, attention(g, b.attn, n1.value(), h, w, n1.affine()))));
        LayerForms.Normalized n2 = LayerForms.normalize(g, b.norm2, t);
        t = g.add(
                OnnxOp.ADD,
                s + "/mlp_residual",
                List.of(t, emit(g, b.dropPath, mlp(g, b.mlp, n2.value(), n2.affine()))));
        return OnnxForms.map(g, s, t, c, h, w);
    }

    /** The MLP with a pending LayerNorm γ, β (deploy form) folded into {@code fc1}; null for none. */
    private static String mlp(OnnxGraph g, TokenMlp m, String x, double[][] preAffine) {
        return emit(g, m.fc2, emit(g, m.act, LayerForms.linear(g, m.fc1, x, 1.0, preAffine)));
    }

    /**
     * Attention on tokens of an h×w map: d^-½ folded into q, K/V from one MatMul split in two.
     * {@code preAffine}: the block's LayerNorm γ, β still to be applied to {@code x} (deploy form),
     * folded into q and the reduction conv (exact: it does not pad) or, without one, into kv; null
     * when already applied.
     */
    private static String attention(
            OnnxGraph g, SpatialReductionAttention a, String x, long h, long w, double[][] preAffine) {
        String s = g.scopeOf(a);
        long c = g.shape(x)[2];
        String queries =
                AttentionForms.splitHeads(g, s + "/q", LayerForms.linear(g, a.q, x, a.scale, preAffine), a.heads);
        LayerForms.Normalized source = new LayerForms.Normalized(x, preAffine);
        if (a.srConv != null) {
            String map = OnnxForms.map(g, s + "/sr_in", x, c, h, w);
            String reduced;
            if (preAffine == null) {
                reduced = emit(g, a.srConv, map);
            } else {
                float[][] f = OnnxForms.weights(a.srConv, preAffine);
                reduced = OnnxForms.conv(g, a.srConv, map, f[0], f[1], g.scopeOf(a.srConv) + "_norm_folded");
            }
            source = LayerForms.normalize(g, a.norm, OnnxForms.tokens(g, s + "/sr_out", reduced));
        }
        String[] keyValue =
                g.split(LayerForms.linear(g, a.kv, source.value(), 1.0, source.affine()), s + "/kv_split", 2, c, c);
        String out = AttentionForms.attend(
                g,
                s + "/attn",
                queries,
                AttentionForms.splitHeads(g, s + "/k", keyValue[0], a.heads),
                AttentionForms.splitHeads(g, s + "/v", keyValue[1], a.heads),
                1.0,
                null);
        return emit(g, a.proj, AttentionForms.mergeHeads(g, s, out));
    }
}
