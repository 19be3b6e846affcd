package dev.hybridvit.models.segmentation;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hybridvit.export.ExportOptions;
import dev.hybridvit.export.Exporter;
import dev.hybridvit.infer.OnnxPredictor;
import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.VisionModel;
import dev.hybridvit.nn.Parameter;
import dev.hybridvit.tensor.Tensors;
import dev.hybridvit.weights.ReferenceFill;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Semantic FPN: mmseg's parameter counts and key names, the official dense Next-ViT backbone and
 * mmseg's neck and head reproduced (fixture {@code dense/fpn_nextvit_small_64_s2024.json}, written
 * by {@code tools/dense_reference.py} from the official {@code segmentation/nextvit.py}), and the
 * whole model's ONNX export against eager in ONNX Runtime.
 */
class SemanticFPNTest {
    static final double TOLERANCE = 1e-4;

    @TempDir
    Path tmp;

    private static long count(VisionModel m, String prefix) {
        long n = 0;
        for (Map.Entry<String, Parameter> e : m.namedSlots().entrySet())
            if (e.getKey().startsWith(prefix) && e.getValue().isTrainable())
                n += e.getValue().numel();
        return n;
    }

    @Test
    void nextVitSmallHasMmsegsParameterCounts() {
        VisionModel m = ModelRegistry.get("fpn_nextvit_small")
                .architecture(ModelOptions.defaults().withNumClasses(150));
        assertThat(m.parameterCount()).isEqualTo(35_229_974);
        assertThat(count(m, "backbone.")).isEqualTo(30_742_144);
        assertThat(count(m, "neck.")).isEqualTo(2_844_672);
        assertThat(count(m, "decode_head.")).isEqualTo(1_643_158);
        assertThat(m.namedSlots())
                .containsKeys(
                        "backbone.extra_norm_list.3.running_var",
                        "backbone.norm.weight",
                        "neck.lateral_convs.3.conv.bias",
                        "neck.fpn_convs.0.conv.weight",
                        "decode_head.scale_heads.3.4.conv.weight",
                        "decode_head.scale_heads.3.4.bn.running_mean",
                        "decode_head.conv_seg.bias")
                .doesNotContainKeys("backbone.proj_head.0.weight", "decode_head.scale_heads.1.0.conv.bias");
    }

    @Test
    void reproducesTheOfficialDenseBackboneAndMmsegsHead() throws IOException {
        JsonNode ref;
        try (InputStream in = getClass().getResourceAsStream("/dense/fpn_nextvit_small_64_s2024.json")) {
            ref = new ObjectMapper().readTree(in);
        }
        int size = ref.get("image_size").asInt();
        try (VisionModel m = ModelRegistry.get("fpn_nextvit_small")
                .create(
                        ModelOptions.defaults()
                                .withImageSize(size)
                                .withNumClasses(ref.get("num_classes").asInt()),
                        0)) {
            List<String> names = new ArrayList<>();
            ref.get("state_dict").forEach(e -> names.add(e.get("name").asText()));
            assertThat(List.copyOf(m.namedSlots().keySet())).isEqualTo(names);
            JsonNode fill = ref.get("fill");
            ReferenceFill rule = new ReferenceFill(
                    ref.get("base_seed").asLong(),
                    fill.get("gain").asDouble(),
                    fill.get("qk_gain").asDouble());
            m.loadStateDict(rule.stateDict(m.namedSlots(), m.manager()));
            NDArray x = m.manager().create(rule.input(1, size), new Shape(1, 3, size, size));
            List<NDArray> features = m.features(x, 0, 1, 2, 3);
            for (int i = 0; i < 4; i++) {
                JsonNode f = ref.get("features").get(i);
                assertThat(features.get(i).getShape().getShape()).isEqualTo(longs(f.get("shape")));
                assertClose("stage " + i, head(Tensors.toFloats(features.get(i)), 16), floats(f.get("head")));
            }
            float[] logits = Tensors.toFloats(m.predict(x));
            assertThat(m.predict(x).getShape().getShape())
                    .isEqualTo(longs(ref.get("logits").get("shape")));
            int stride = ref.get("logits_sample_stride").asInt();
            float[] sample = new float[(logits.length + stride - 1) / stride];
            for (int i = 0; i < sample.length; i++) sample[i] = logits[i * stride];
            assertClose("logits", sample, floats(ref.get("logits_sample")));
        }
    }

    @Test
    void onnxExportMatchesEager() throws IOException {
        int size = 64;
        try (VisionModel m = ModelRegistry.get("fpn_nextvit_pico_hv")
                .create(ModelOptions.defaults().withImageSize(size).withNumClasses(7), 1)) {
            m.loadStateDict(new ReferenceFill(5, 0.8, 2.0).stateDict(m.namedSlots(), m.manager()));
            NDArray x = m.manager().randomNormal(new Shape(2, 3, size, size));
            float[] eager = Tensors.toFloats(m.predict(x));
            assertThat(m.predict(x).getShape()).isEqualTo(new Shape(2, 7, size, size));
            Path file = tmp.resolve("fpn.onnx");
            Exporter.export(m, file, ExportOptions.defaults().withDynamicBatch());
            try (OnnxPredictor p =
                    OnnxPredictor.open(file, OnnxPredictor.Options.defaults().withThreads(1))) {
                assertThat(p.numClasses()).isEqualTo(7);
                float[] ort = Tensors.flatten(p.predict(x.toFloatArray(), 2, 3, size, size));
                assertClose("ORT vs eager", ort, eager);
            }
        }
    }

    private static void assertClose(String what, float[] ours, float[] ref) {
        assertThat(ours).hasSameSizeAs(ref);
        assertThat(Tensors.maxAbsDiff(ours, ref) / Math.max(1, Tensors.maxAbs(ref)))
                .as(what)
                .isLessThanOrEqualTo(TOLERANCE);
    }

    private static float[] head(float[] a, int n) {
        return java.util.Arrays.copyOf(a, n);
    }

    private static float[] floats(JsonNode a) {
        float[] out = new float[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = (float) a.get(i).asDouble();
        return out;
    }

    private static long[] longs(JsonNode a) {
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).asLong();
        return out;
    }
}
