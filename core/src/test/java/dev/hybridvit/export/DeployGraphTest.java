package dev.hybridvit.export;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.ModelSpec;
import dev.hybridvit.models.VisionModel;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The deploy form's graph shape (its numerics are {@link OnnxExportTest}'s): what it was
 * rewritten for must stay rewritten. No LayerNormalization (ORT's kernel is several times slower
 * than the InstanceNormalization form). In CMT: a residual stream that stays a map, with each
 * residual Add on a conv's output and channel counts ORT can block; no head split that ORT has to
 * run as a Transpose (batch 1) or only q's (other batches); an IRFFN whose depthwise conv fills
 * whole 16-channel NCHWc blocks. Next-ViT's E-MHSA on the map, with q and the output projection
 * as 1×1 convs.
 */
class DeployGraphTest {
    static List<String> models() {
        return ModelRegistry.architectures();
    }

    static List<String> cmtModels() {
        return ModelRegistry.all().stream()
                .filter(s -> s.family().equals("cmt") && !s.isAlias())
                .map(ModelSpec::name)
                .toList();
    }

    static List<String> nextVitModels() {
        return ModelRegistry.all().stream()
                .filter(s -> s.family().equals("nextvit") && !s.isAlias())
                .map(ModelSpec::name)
                .toList();
    }

    static GraphProto deployGraph(String name) {
        return deployGraph(name, ExportOptions.defaults().withDeploy(true));
    }

    static GraphProto deployGraph(String name, ExportOptions options) {
        try (VisionModel model =
                ModelRegistry.get(name).create(ModelOptions.defaults().withImageSize(64), 0)) {
            return Exporter.graph(model, options).build().getGraph();
        }
    }

    /** Transposes ORT cannot fold into the MatMul that reads them (see {@link #foldedIntoMatMul}). */
    static long unfoldedTransposes(GraphProto g) {
        return g.getNodeList().stream()
                .filter(n -> n.getOpType().equals("Transpose") && !foldedIntoMatMul(g, n))
                .count();
    }

    /**
     * A Transpose whose only reader is a MatMul and whose permutation ORT's MatmulTransposeFusion
     * folds into it: the last two axes swapped, or (rank 3) the leading axis moved behind the
     * batch ({@code transBatch}): perms [1,0,2] and [1,2,0].
     */
    static boolean foldedIntoMatMul(GraphProto g, NodeProto t) {
        List<NodeProto> readers = g.getNodeList().stream()
                .filter(n -> n.getInputList().contains(t.getOutput(0)))
                .toList();
        if (readers.size() != 1 || !readers.get(0).getOpType().equals("MatMul")) return false;
        List<Long> perm = t.getAttributeList().stream()
                .filter(a -> a.getName().equals("perm"))
                .findFirst()
                .orElseThrow()
                .getIntsList();
        int r = perm.size();
        boolean lastTwoSwapped = perm.get(r - 1) == r - 2
                && perm.get(r - 2) == r - 1
                && java.util.stream.IntStream.range(0, r - 2).allMatch(i -> perm.get(i) == i);
        return lastTwoSwapped || perm.equals(List.of(1L, 0L, 2L)) || perm.equals(List.of(1L, 2L, 0L));
    }

    static java.util.Optional<NodeProto> producer(GraphProto g, String value) {
        return g.getNodeList().stream()
                .filter(n -> n.getOutputList().contains(value))
                .findFirst();
    }

    static long count(GraphProto g, String opType) {
        return g.getNodeList().stream()
                .filter(n -> n.getOpType().equals(opType))
                .count();
    }

    /** One deploy path: the exported model is reparameterised, so no BatchNormalization reads a conv's output. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void noBatchNormFollowsAConv(String name) {
        GraphProto g = deployGraph(name);
        List<String> unfolded = g.getNodeList().stream()
                .filter(n -> n.getOpType().equals("BatchNormalization"))
                .filter(n -> producer(g, n.getInput(0))
                        .map(p -> p.getOpType().equals("Conv"))
                        .orElse(false))
                .map(NodeProto::getName)
                .toList();
        assertThat(unfolded).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void deployFormHasNoLayerNormalization(String name) {
        assertThat(count(deployGraph(name), "LayerNormalization")).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cmtModels")
    void cmtDeployFormIsShapedForOrt(String name) {
        GraphProto g = deployGraph(name);
        Map<String, TensorProto> weights =
                g.getInitializerList().stream().collect(Collectors.toMap(TensorProto::getName, Function.identity()));
        List<NodeProto> irffnDepthwise = g.getNodeList().stream()
                .filter(n -> n.getOpType().equals("Conv") && n.getName().contains(".mlp.proj"))
                .toList();
        assertThat(irffnDepthwise).isNotEmpty();
        for (NodeProto n : irffnDepthwise) {
            long channels = weights.get(n.getInput(1)).getDims(0);
            assertThat(channels % 16).as(n.getName() + " channels " + channels).isZero();
        }
        // The residual stream's convs (LPU, attention projection, IRFFN) have channel counts ORT's
        // NCHWc reorders accept (multiples of 4; CMT-Ti's 46-channel stage is zero-padded to 48),
        // so they run blocked and take the residual Adds in
        List<NodeProto> streamConvs = g.getNodeList().stream()
                .filter(n -> n.getOpType().equals("Conv")
                        && n.getName().startsWith("blocks_")
                        && !n.getName().contains(".attn.sr")
                        && !n.getName().contains(".attn.k")
                        && !n.getName().contains(".attn.v"))
                .toList();
        assertThat(streamConvs).isNotEmpty();
        for (NodeProto n : streamConvs) {
            TensorProto wt = weights.get(n.getInput(1));
            assertThat(wt.getDims(0) % 4)
                    .as(n.getName() + " outputs " + wt.getDims(0))
                    .isZero();
            assertThat(wt.getDims(1) == 1 || wt.getDims(1) % 4 == 0)
                    .as(n.getName() + " inputs " + wt.getDims(1))
                    .isTrue();
        }
        // The residual stream stays a map: the only layout changes are the two LayerNorms' way to
        // tokens and back (4 Transposes per block, which ORT turns into its NCHWc reorders). At
        // batch 1 the heads are the MatMul batch axis and every head split is folded into a
        // MatMul; at other batches q's head split remains.
        long blocks = g.getNodeList().stream()
                .filter(n -> n.getName().contains("/attn_residual"))
                .count();
        assertThat(unfoldedTransposes(g)).isLessThanOrEqualTo(4 * blocks + 8);
        GraphProto dynamic =
                deployGraph(name, ExportOptions.defaults().withDeploy(true).withDynamicBatch());
        assertThat(unfoldedTransposes(dynamic)).isLessThanOrEqualTo(5 * blocks + 8);
        // each residual Add reads a 1×1 conv (the attention's projection, the IRFFN's last conv),
        // which ORT's NCHWc conv then computes with the Add fused in
        for (GraphProto graph : List.of(g, dynamic)) {
            List<NodeProto> residuals = graph.getNodeList().stream()
                    .filter(n -> n.getName().contains("/attn_residual")
                            || n.getName().contains("/mlp_residual"))
                    .toList();
            assertThat(residuals).hasSize((int) (2 * blocks));
            for (NodeProto add : residuals) {
                assertThat(add.getInputList().stream()
                                .anyMatch(in -> producer(graph, in)
                                        .map(p -> p.getOpType().equals("Conv"))
                                        .orElse(false)))
                        .as(add.getName() + " reads a conv")
                        .isTrue();
            }
        }
        assertThat(count(g, "InstanceNormalization")).isEqualTo(2 * blocks + 4);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("nextVitModels")
    void nextVitAttentionStaysOnTheMap(String name) {
        GraphProto g = deployGraph(name);
        long blocks = g.getNodeList().stream()
                .filter(n -> n.getName().contains("/mhsa_residual"))
                .count();
        assertThat(blocks).isPositive();
        // only the two last-axes swaps ORT fuses into its MatMuls; no token layout, no head split
        assertThat(count(g, "Transpose")).isEqualTo(2 * blocks);
        assertThat(g.getNodeList().stream()
                        .filter(n -> n.getOpType().equals("Conv") && n.getName().contains("e_mhsa."))
                        .count())
                .isEqualTo(2 * blocks);
    }
}
