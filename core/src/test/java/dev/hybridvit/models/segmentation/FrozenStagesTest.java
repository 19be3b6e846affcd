package dev.hybridvit.models.segmentation;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.VisionModel;
import dev.hybridvit.nn.BatchNorm;
import dev.hybridvit.nn.Module;
import dev.hybridvit.nn.Parameter;
import dev.hybridvit.tensor.Tensors;
import dev.hybridvit.train.AdamW;
import dev.hybridvit.train.Losses;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The official dense backbone's {@code frozen_stages} and {@code norm_eval}, on a Semantic FPN. */
class FrozenStagesTest {
    private static final String MODEL = "fpn_nextvit_pico_hv";

    private static VisionModel build(ModelOptions o) {
        return ModelRegistry.get(MODEL).create(o.withNumClasses(5).withImageSize(32), 3);
    }

    /** One training-mode forward and backward of the pixel loss; returns nothing, gradients stay on the parameters. */
    private static void backward(VisionModel model) {
        model.setTraining(true);
        model.requireGradients(true);
        try (NDManager m = model.manager().newSubManager()) {
            Tensors.seed(1);
            NDArray x = m.randomNormal(new Shape(2, 3, 32, 32));
            NDArray y = m.randomInteger(0, 5, new Shape(2, 32, 32), ai.djl.ndarray.types.DataType.INT32);
            try (GradientCollector gc = Tensors.newGradientCollector()) {
                gc.backward(Losses.pixelCrossEntropy(model.forward(x), y, 255));
            }
        }
    }

    @Test
    void frozenStagesGetNoGradientAndStayInEvalMode() {
        try (VisionModel model = build(ModelOptions.defaults().withFrozenStages(2))) {
            backward(model);
            SemanticFPN fpn = (SemanticFPN) model;
            int frozen = 0, training = 0;
            for (Map.Entry<String, Parameter> e : model.namedSlots().entrySet()) {
                Parameter p = e.getValue();
                if (!p.isTrainable()) continue;
                String part = model.partOf(e.getKey());
                boolean shouldFreeze = part.equals("stem") || part.equals("stage1") || part.equals("stage2");
                assertThat(p.isFrozen()).as(e.getKey()).isEqualTo(shouldFreeze);
                if (shouldFreeze) {
                    assertThat(p.value().hasGradient()).as(e.getKey()).isFalse();
                    frozen++;
                } else {
                    assertThat(p.value().getGradient().abs().sum().getFloat())
                            .as(e.getKey())
                            .isFinite();
                    training++;
                }
            }
            assertThat(frozen).isPositive();
            assertThat(training).isPositive();
            assertThat(new AdamW(model, 0.05).state()).hasSize(2 * training);
            for (VisionModel.Block b : fpn.backbone.blocks())
                assertThat(b.module().isTraining()).as(b.name()).isEqualTo(b.stage() >= 2);
            assertThat(fpn.backbone.children().get("stem").isTraining()).isFalse();
            assertThat(fpn.decodeHead.isTraining()).isTrue();
        }
    }

    @Test
    void normEvalKeepsTheBackbonesRunningStatistics() {
        for (boolean normEval : new boolean[] {false, true}) {
            try (VisionModel model = build(ModelOptions.defaults().withNormEval(normEval))) {
                SemanticFPN fpn = (SemanticFPN) model;
                Map<String, float[]> before = runningMeans(fpn.backbone);
                backward(model);
                Map<String, float[]> after = runningMeans(fpn.backbone);
                long changed = before.keySet().stream()
                        .filter(k -> !java.util.Arrays.equals(before.get(k), after.get(k)))
                        .count();
                if (normEval)
                    assertThat(changed)
                            .as("BatchNorms whose running mean moved")
                            .isZero();
                else
                    assertThat(changed)
                            .as("BatchNorms whose running mean moved")
                            .isGreaterThan(before.size() / 2);
                // the affine parameters still train under norm_eval, as in mmseg
                BatchNorm bn = (BatchNorm) fpn.backbone.namedModules().values().stream()
                        .filter(m -> m instanceof BatchNorm)
                        .findFirst()
                        .orElseThrow();
                assertThat(bn.weight().value().hasGradient()).isTrue();
            }
        }
    }

    private static Map<String, float[]> runningMeans(Module backbone) {
        Map<String, float[]> out = new java.util.LinkedHashMap<>();
        backbone.namedModules().forEach((n, m) -> {
            if (m instanceof BatchNorm bn) out.put(n, bn.runningMean().value().toFloatArray());
        });
        return out;
    }
}
