package dev.hybridvit.models.cmt;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.hybridvit.models.ModelSpec;
import dev.hybridvit.models.VisionModel;
import dev.hybridvit.tensor.Tensors;
import dev.hybridvit.testing.FilledModels;
import dev.hybridvit.testing.GradientCheck;
import dev.hybridvit.testing.OnnxParity;
import java.io.IOException;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * CMT's ablation switches (conv stem, LPU, IRFFN) on CMT-Ti's widths at 64 px (every stage's attention then sees more than one key): the layout is what
 * the switch says, the plain and deploy ONNX graphs match the eager model, and gradients reach
 * every weight.
 */
class CMTComponentsTest {
    static final int SIZE = 64;

    @TempDir
    Path tmp;

    static CMTConfig ti(String name, boolean convStem, boolean lpu, CMTConfig.Ffn ffn) {
        CMTConfig t = CMTConfig.TI;
        return new CMTConfig(
                name,
                SIZE,
                t.stemChannels(),
                t.dims(),
                new int[] {1, 1, 2, 1},
                t.heads(),
                t.mlpRatio(),
                t.srRatios(),
                t.fcDim(),
                t.headDropout(),
                t.pathDropout(),
                convStem,
                lpu,
                ffn);
    }

    static Stream<CMTConfig> variants() {
        return Stream.of(
                ti("patch_stem", false, true, CMTConfig.Ffn.IRFFN),
                ti("no_lpu", true, false, CMTConfig.Ffn.IRFFN),
                ti("plain_ffn", true, true, CMTConfig.Ffn.MLP),
                ti("baseline", false, false, CMTConfig.Ffn.MLP));
    }

    static VisionModel filled(CMTConfig c) {
        return FilledModels.create(
                new ModelSpec(c.name(), "cmt", "ablation", SIZE, 1, (s, o) -> new CMT(s, c, o)), SIZE, 5);
    }

    @Test
    void switchesRemoveTheirComponents() {
        try (VisionModel stemless = filled(ti("s", false, false, CMTConfig.Ffn.MLP))) {
            assertThat(stemless.namedSlots().keySet())
                    .noneMatch(k -> k.startsWith("stem_") || k.matches("blocks_a\\.0\\.proj\\..*"))
                    .contains("patch_embed_a.proj.weight", "blocks_a.0.mlp.conv1.weight");
            assertThat(stemless.namedSlots().get("patch_embed_a.proj.weight").shape())
                    .isEqualTo(new Shape(CMTConfig.TI.dim(0), 3, 4, 4));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void onnxGraphsMatchEagerAndGradientsFlow(CMTConfig c) throws IOException {
        try (VisionModel model = filled(c)) {
            model.setTraining(true);
            model.requireGradients(true);
            try (var step = model.manager().newSubManager()) {
                NDArray batch = step.randomNormal(new Shape(2, 3, SIZE, SIZE));
                GradientCheck.backward(
                        () -> model.forward(batch).logSoftmax(1).sum().neg());
                GradientCheck.assertGradientsFlow(model, key -> key.endsWith(".bias"));
            }
        }
        try (VisionModel model = filled(c)) {
            NDArray x = model.manager().randomNormal(new Shape(2, 3, SIZE, SIZE));
            float[] eager = Tensors.toFloats(model.predict(x));
            OnnxParity.assertGraphsMatch(model, x, eager, tmp, 1e-4);
        }
    }
}
