package dev.hybridvit.models;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import dev.hybridvit.tensor.Tensors;
import dev.hybridvit.testing.ReferenceCase;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Parity with the official code: for every file of the reference outputs, our model of that name
 * (it must be registered) filled by the reference rule has the official state-dict signature and
 * parameter count and reproduces the official logits, deploy-form logits and per-stage statistics.
 */
class ReferenceParityTest {
    static List<ReferenceCase> cases() {
        return ReferenceCase.all();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesOfficialCode(ReferenceCase ref) {
        assertThat(ModelRegistry.names())
                .as("registered models (the reference file %s is of model '%s')", ref.id(), ref.model())
                .contains(ref.model());
        ModelSpec spec = ModelRegistry.get(ref.model());
        ModelOptions options = ModelOptions.defaults().withImageSize(ref.imageSize());
        try (VisionModel model = spec.create(options, 0)) {
            List<String> ours = new ArrayList<>();
            model.namedSlots()
                    .forEach((k, p) -> ours.add(k + " " + shapeJson(p.shape().getShape())));
            assertThat(ours)
                    .as("state-dict keys, shapes and order")
                    .containsExactlyElementsOf(ref.stateDictSignature());
            assertThat(model.parameterCount()).as("parameter count").isEqualTo(ref.paramCount());

            NDManager manager = model.manager();
            Map<String, NDArray> weights = ref.fill().stateDict(model.namedSlots(), manager);
            model.loadStateDict(weights);
            weights.values().forEach(NDArray::close);

            NDArray input = Tensors.fromFloats(manager, ref.input(), ref.batch(), 3, ref.imageSize(), ref.imageSize());
            List<NDArray> stages = model.forwardStages(input);
            checkFeatures(ref, stages);
            float[] logits = Tensors.toFloats(model.forwardHead(stages.get(stages.size() - 1)));
            double err = ReferenceCase.relativeError(logits, ref.logits());
            assertThat(err).as("logits vs official").isLessThanOrEqualTo(ReferenceCase.TOLERANCE);

            if (ref.deployLogits() != null) {
                model.reparameterize();
                float[] deploy = Tensors.toFloats(model.forward(input));
                double derr = ReferenceCase.relativeError(deploy, ref.deployLogits());
                assertThat(derr)
                        .as("deploy-form logits vs official merge_bn")
                        .isLessThanOrEqualTo(ReferenceCase.TOLERANCE);
            }
        }
    }

    private static void checkFeatures(ReferenceCase ref, List<NDArray> stages) {
        JsonNode features = ref.features();
        assertThat(stages).hasSize(features.size());
        for (int i = 0; i < stages.size(); i++) {
            JsonNode f = features.get(i);
            NDArray s = stages.get(i);
            assertThat(shapeJson(s.getShape().getShape()))
                    .as("stage %d shape", i + 1)
                    .isEqualTo(f.get("shape").toString());
            float[] v = Tensors.toFloats(s);
            double mean = 0, sq = 0;
            for (float x : v) mean += x;
            mean /= v.length;
            for (float x : v) sq += (x - mean) * (x - mean);
            double std = Math.sqrt(sq / (v.length - 1));
            double scale = Math.max(1, f.get("std").asDouble());
            assertThat(Math.abs(mean - f.get("mean").asDouble()) / scale)
                    .as("stage %d mean", i + 1)
                    .isLessThanOrEqualTo(ReferenceCase.TOLERANCE);
            assertThat(Math.abs(std - f.get("std").asDouble()) / scale)
                    .as("stage %d std", i + 1)
                    .isLessThanOrEqualTo(ReferenceCase.TOLERANCE);
            float[] head = ReferenceCase.flat(f.get("head"));
            float[] ours = java.util.Arrays.copyOf(v, head.length);
            assertThat(ReferenceCase.relativeError(ours, head))
                    .as("stage %d first values", i + 1)
                    .isLessThanOrEqualTo(ReferenceCase.TOLERANCE);
        }
    }

    static String shapeJson(long[] shape) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < shape.length; i++) sb.append(i == 0 ? "" : ",").append(shape[i]);
        return sb.append(']').toString();
    }
}
