package dev.hybridvit.export;

import static dev.hybridvit.export.Emitters.emit;

import dev.hybridvit.export.onnx.OnnxAttr;
import dev.hybridvit.export.onnx.OnnxGraph;
import dev.hybridvit.export.onnx.OnnxOp;
import dev.hybridvit.models.nextvit.ConvBNReLU;
import dev.hybridvit.models.nextvit.ConvNeXtBlock;
import dev.hybridvit.models.nextvit.EfficientMHSA;
import dev.hybridvit.models.nextvit.MHCA;
import dev.hybridvit.models.nextvit.NextConvBlock;
import dev.hybridvit.models.nextvit.NextTransformerBlock;
import dev.hybridvit.models.nextvit.NextViT;
import dev.hybridvit.models.nextvit.PoolFormerBlock;
import dev.hybridvit.nn.BatchNorm;
import java.util.List;

/**
 * Next-ViT as an ONNX graph. The plain form mirrors each block's forward; the deploy form (of the
 * reparameterised model, pre-norm BNs folded) keeps the NTB's E-MHSA on the feature map instead
 * of tokens when its pre-norm is a BatchNorm (every official variant; a LayerNorm ablation keeps
 * the token form): q and the output projection as 1×1 convs that ORT runs blocked, keys and
 * values from one MatMul, every head tensor in the transposed layout ORT fuses into its MatMuls.
 * For a channels-last runtime ({@link ExportOptions#channelsLast()}: ORT around int8 convs) the
 * E-MHSA reads the map as tokens instead, so that no map is transposed to feed it.
 */
final class NextViTGraph {
    private NextViTGraph() {}

    static void addTo(Emitters.Table t) {
        t.add(NextViT.class, NextViTGraph::model)
                .addStages(NextViT.class, (g, m, x) -> Emitters.blockStages(g, m, m.stem, x))
                .add(ConvBNReLU.class, (g, m, x) -> emit(g, m.act, emit(g, m.norm, emit(g, m.conv, x))))
                .add(
                        MHCA.class,
                        (g, m, x) -> emit(g, m.projection, emit(g, m.act, emit(g, m.norm, emit(g, m.groupConv, x)))))
                .add(NextConvBlock.class, NextViTGraph::convBlock)
                .add(NextTransformerBlock.class, NextViTGraph::transformerBlock)
                .add(EfficientMHSA.class, NextViTGraph::attention)
                .add(ConvNeXtBlock.class, NextViTGraph::convNeXtBlock)
                .add(PoolFormerBlock.class, NextViTGraph::poolFormerBlock);
    }

    /** Stem → blocks → BN → global pool → linear (the BN folded into the linear in the deploy form). */
    private static String model(OnnxGraph g, NextViT m, String x) {
        List<String> stages = Emitters.blockStages(g, m, m.stem, x);
        Emitters.offerStages(g, stages.size(), stages::get);
        x = stages.get(3);
        String features = x;
        g.offer(Exporter.EMBEDDING, () -> LayerForms.globalPool(g, "embedding/pool", features));
        return emit(g, m.projHead, LayerForms.globalPool(g, "head/pool", emit(g, m.norm, x)));
    }

    private static String convBlock(OnnxGraph g, NextConvBlock b, String x) {
        String s = g.scopeOf(b);
        x = emit(g, b.patchEmbed, x);
        x = g.add(OnnxOp.ADD, s + "/mhca_residual", List.of(x, emit(g, b.attnDrop, emit(g, b.mhca, x))));
        return g.add(
                OnnxOp.ADD, s + "/mlp_residual", List.of(x, emit(g, b.mlpDrop, emit(g, b.mlp, emit(g, b.norm, x)))));
    }

    private static String convNeXtBlock(OnnxGraph g, ConvNeXtBlock b, String x) {
        x = emit(g, b.patchEmbed, x);
        String branch = emit(g, b.layerScale, emit(g, b.mlp, emit(g, b.norm, emit(g, b.convDw, x))));
        return g.add(OnnxOp.ADD, g.scopeOf(b) + "/residual", List.of(x, emit(g, b.dropPath, branch)));
    }

    private static String poolFormerBlock(OnnxGraph g, PoolFormerBlock b, String x) {
        String s = g.scopeOf(b);
        x = emit(g, b.patchEmbed, x);
        String normed = emit(g, b.norm1, x);
        String mixed = g.add(OnnxOp.SUB, s + "/pool_minus_input", List.of(emit(g, b.tokenMixer, normed), normed));
        x = g.add(OnnxOp.ADD, s + "/mixer_residual", List.of(x, emit(g, b.layerScale1, mixed)));
        String mlp = emit(g, b.layerScale2, emit(g, b.mlp, emit(g, b.norm2, x)));
        return g.add(OnnxOp.ADD, s + "/mlp_residual", List.of(x, mlp));
    }

    private static String transformerBlock(OnnxGraph g, NextTransformerBlock b, String x) {
        String s = g.scopeOf(b);
        x = emit(g, b.patchEmbed, x);
        long[] shape = g.shape(x);
        long c = shape[1], h = shape[2], w = shape[3];
        String back;
        if (g.deploy() && b.norm1 instanceof BatchNorm) {
            back = emit(
                    g,
                    b.mhsaDrop,
                    g.channelsLast() && tokenPoolFits(g, b, x)
                            ? attentionChannelsLast(g, b, x)
                            : attentionOnMap(g, b, x));
        } else {
            String flat = g.reshape(emit(g, b.norm1, x), s + "/flatten", 0, c, h * w);
            String tokens = g.transpose(flat, s + "/tokens", 0, 2, 1);
            String attended = emit(g, b.mhsaDrop, emit(g, b.mhsa, tokens));
            back = g.reshape(g.transpose(attended, s + "/untokens", 0, 2, 1), s + "/unflatten", 0, c, h, w);
        }
        x = g.add(OnnxOp.ADD, s + "/mhsa_residual", List.of(x, back));
        if (b.mhca != null) {
            String local = emit(g, b.projection, x);
            local = g.add(
                    OnnxOp.ADD, s + "/mhca_residual", List.of(local, emit(g, b.mhcaDrop, emit(g, b.mhca, local))));
            x = g.add(OnnxOp.CONCAT, s + "/concat", List.of(x, local), OnnxAttr.i("axis", 1));
        }
        return g.add(
                OnnxOp.ADD, s + "/mlp_residual", List.of(x, emit(g, b.mlpDrop, emit(g, b.mlp, emit(g, b.norm2, x)))));
    }

    /**
     * E-MHSA on B×N×C tokens. The scale d^-½ is folded into the q projection (one rounding of
     * W·scale instead of a Mul on every score); the token pool is a 1-D AveragePool (floor mode
     * drops the trailing tokens exactly as the official {@code AvgPool1d}) on the B×C×N view.
     */
    private static String attention(OnnxGraph g, EfficientMHSA a, String x) {
        String s = g.scopeOf(a);
        String queries = AttentionForms.splitHeads(g, s + "/q", LayerForms.linear(g, a.q, x, a.scale, null), a.heads);
        String kv = x;
        if (a.sr > 1) {
            String pooled = tokenPool(g, s, g.transpose(x, s + "/pool_in", 0, 2, 1), a.sr);
            kv = g.transpose(emit(g, a.norm, pooled), s + "/pooled_tokens", 0, 2, 1);
        }
        String out = AttentionForms.attend(
                g,
                s + "/attn",
                queries,
                AttentionForms.splitHeads(g, s + "/k", emit(g, a.k, kv), a.heads),
                AttentionForms.splitHeads(g, s + "/v", emit(g, a.v, kv), a.heads),
                1.0,
                null);
        return emit(g, a.proj, AttentionForms.mergeHeads(g, s, out));
    }

    /** The official 1-D token pool: windows of sr² along the flattened raster sequence of B×C×N. */
    private static String tokenPool(OnnxGraph g, String scope, String channelsFirst, int sr) {
        int window = sr * sr;
        return g.add(
                OnnxOp.AVERAGE_POOL,
                scope + "/pool",
                List.of(channelsFirst),
                OnnxAttr.ints("kernel_shape", window),
                OnnxAttr.ints("strides", window),
                OnnxAttr.ints("pads", 0, 0),
                OnnxAttr.i("ceil_mode", 0),
                OnnxAttr.i("count_include_pad", 0));
    }

    /**
     * The deploy form of the NTB's E-MHSA on its map, B×C×H×W → B×C×H×W, equal up to float
     * rounding and without a token layout: q and the output projection are 1×1 convs (ORT runs
     * them blocked), keys and values one MatMul with the stacked k, v weights on the pooled B×C×M
     * view, and every head tensor comes out transposed (B×h×d×N) from a Reshape: scores =
     * (qᵀ)ᵀ·kᵀ and contextᵀ = vᵀ·Pᵀ, transposes ORT fuses into its MatMul. k's bias drops out and
     * v's moves into the projection (see {@link AttentionForms#keyValueTransposed},
     * {@link AttentionForms#projectionWithValueBias}).
     */
    private static String attentionOnMap(OnnxGraph g, NextTransformerBlock b, String x) {
        EfficientMHSA a = folded(b);
        String s = g.scopeOf(a);
        long[] shape = g.shape(x);
        int c = (int) shape[1], d = c / a.heads;
        long h = shape[2], w = shape[3], n = h * w;

        float[][] qs = OnnxForms.weights(a.q, a.scale, null);
        String queriesT =
                g.reshape(OnnxForms.pointwise(g, g.scopeOf(a.q), x, qs[0], qs[1], c, c), s + "/q_t", 0, a.heads, d, n);

        String source = g.reshape(x, s + "/flat", 0, c, n);
        if (a.sr > 1) source = tokenPool(g, s, source, a.sr);
        String[] kvt = AttentionForms.keyValueTransposed(
                g,
                s,
                AttentionForms.stack(
                        a.k.weight().value().toFloatArray(),
                        a.v.weight().value().toFloatArray()),
                source,
                a.heads);

        return attendAndProject(g, a, g.transpose(queriesT, s + "/q", 0, 1, 3, 2), kvt, c, h, w);
    }

    /**
     * Softmax(q·kᵀ)·v per head, from queries B×h×N×d and keys and values transposed (B×h×d×M),
     * the context computed transposed (vᵀ·Pᵀ, already the B×C×H×W map) and projected by a 1×1
     * conv that also adds the value bias.
     */
    private static String attendAndProject(
            OnnxGraph g, EfficientMHSA a, String queries, String[] kvt, int c, long h, long w) {
        String s = g.scopeOf(a);
        String scores = g.add(OnnxOp.MATMUL, s + "/scores", List.of(queries, kvt[0]));
        String probs = g.add(OnnxOp.SOFTMAX, s + "/softmax", List.of(scores), OnnxAttr.i("axis", -1));
        String contextT =
                g.add(OnnxOp.MATMUL, s + "/context_t", List.of(kvt[1], g.transpose(probs, s + "/p_t", 0, 1, 3, 2)));
        float[][] p = AttentionForms.projectionWithValueBias(
                a.proj, a.v.bias().value().toFloatArray());
        return OnnxForms.pointwise(
                g, g.scopeOf(a.proj), g.reshape(contextT, s + "/context_map", 0, c, h, w), p[0], p[1], c, c);
    }

    /** The block's E-MHSA, checked to be reparameterised (the deploy forms drop its BNs). */
    private static EfficientMHSA folded(NextTransformerBlock b) {
        EfficientMHSA a = b.mhsa;
        if (!((BatchNorm) b.norm1).isFolded() || (a.norm != null && !a.norm.isFolded())) {
            throw new IllegalStateException(
                    "the deploy graph needs a reparameterised Next-ViT (its pre-norm BNs folded)");
        }
        return a;
    }

    /** Whether the 1-D token pool's windows of sr² tokens tile the map (the token form has no partial window). */
    private static boolean tokenPoolFits(OnnxGraph g, NextTransformerBlock b, String x) {
        long[] shape = g.shape(x);
        return shape[2] * shape[3] % ((long) b.mhsa.sr * b.mhsa.sr) == 0;
    }

    /**
     * The deploy form of E-MHSA for a runtime that holds maps channels-last (ONNX Runtime around
     * its int8 convs): the map is read as B×N×C tokens through a Transpose that cancels the
     * runtime's own, q and the stacked k, v are MatMuls with the weight on the right (the form
     * ORT runs as int8 kernels), the 1-D token pool a ReduceMean over windows of sr² tokens; the
     * context comes out as a channels-first map for the output projection, as in
     * {@link #attentionOnMap}.
     */
    private static String attentionChannelsLast(OnnxGraph g, NextTransformerBlock b, String x) {
        EfficientMHSA a = folded(b);
        String s = g.scopeOf(a);
        long[] shape = g.shape(x);
        int c = (int) shape[1];
        long h = shape[2], w = shape[3], n = h * w;
        String tokens = g.reshape(g.transpose(x, s + "/channels_last", 0, 2, 3, 1), s + "/tokens", 0, n, c);
        String queries =
                AttentionForms.splitHeads(g, s + "/q", LayerForms.linear(g, a.q, tokens, a.scale, null), a.heads);
        String source = tokens;
        if (a.sr > 1) {
            long window = (long) a.sr * a.sr;
            source = g.reduceMean(g.reshape(tokens, s + "/windows", 0, n / window, window, c), s + "/pool", false, 2);
        }
        float[] kv = AttentionForms.stack(
                a.k.weight().value().toFloatArray(), a.v.weight().value().toFloatArray());
        long m = g.shape(source)[1];
        String both = OnnxForms.linear(g, s + ".kv", source, kv, null, 2 * c, c);
        String[] kvt = g.split(
                g.transpose(g.reshape(both, s + "/kv_heads", 0, m, 2L * a.heads, c / a.heads), s + "/kv_t", 0, 2, 3, 1),
                s + "/kv_split",
                1,
                a.heads,
                a.heads);
        return attendAndProject(g, a, queries, kvt, c, h, w);
    }
}
