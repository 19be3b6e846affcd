package dev.hybridvit.models.nextvit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.hybridvit.models.ModelSpec;
import dev.hybridvit.models.VisionModel;
import dev.hybridvit.nn.Activation;
import dev.hybridvit.tensor.Tensors;
import dev.hybridvit.testing.FilledModels;
import dev.hybridvit.testing.GradientCheck;
import dev.hybridvit.testing.OnnxParity;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The ablation knobs of {@link NextViTConfig} (stage patterns, shrink ratio r, norm, activation):
 * each variant's layout is what the knob says, its deploy form equals its eval form, its plain and
 * deploy ONNX graphs match the eager model, and gradients reach every weight.
 */
class NextViTAblationTest {
    static final int SIZE = 32;
    static final double TOLERANCE = 1e-4;

    @TempDir
    Path tmp;

    static NextViTConfig pico(String name, String[] patterns, double r, NextViTConfig.Norm norm, Activation.Kind act) {
        return pico(name, patterns, r, norm, act, NextViTConfig.ConvBlock.NCB);
    }

    /** The compact model with Table 7's block in place of every NCB. */
    static NextViTConfig pico(NextViTConfig.ConvBlock block) {
        return pico("block_" + block, null, 0.75, NextViTConfig.Norm.BN, Activation.Kind.RELU, block);
    }

    static NextViTConfig pico(
            String name,
            String[] patterns,
            double r,
            NextViTConfig.Norm norm,
            Activation.Kind act,
            NextViTConfig.ConvBlock block) {
        NextViTConfig p = NextViTConfig.PICO;
        return new NextViTConfig(
                name,
                p.depths(),
                p.pathDropout(),
                p.stemChannels(),
                p.convWidths(),
                p.transformerWidths(),
                p.srRatios(),
                p.convInit(),
                patterns,
                r,
                norm,
                act,
                block);
    }

    static Stream<NextViTConfig> variants() {
        var bn = NextViTConfig.Norm.BN;
        var relu = Activation.Kind.RELU;
        return Stream.of(
                pico("c_t_t_t", new String[] {"C", "T", "T", "T"}, 0.75, bn, relu),
                pico("r_0.25", null, 0.25, bn, relu),
                pico("r_1", null, 1.0, bn, relu),
                pico("ln_gelu", null, 0.75, NextViTConfig.Norm.LN, Activation.Kind.GELU),
                pico(NextViTConfig.ConvBlock.BOTTLENECK),
                pico(NextViTConfig.ConvBlock.CONVNEXT),
                pico(NextViTConfig.ConvBlock.POOLFORMER),
                pico(NextViTConfig.ConvBlock.TRANSFORMER));
    }

    /** Table 7: every NCB position holds the chosen block, the NTBs and the stage widths stay. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = NextViTConfig.ConvBlock.class, names = "NCB", mode = EnumSource.Mode.EXCLUDE)
    void table7BlocksReplaceEveryNcb(NextViTConfig.ConvBlock block) {
        try (VisionModel m = filled(pico(block))) {
            List<String> types = m.blocks().stream()
                    .map(b -> b.module().getClass().getSimpleName())
                    .distinct()
                    .toList();
            assertThat(types).doesNotContain("NextConvBlock").contains("NextTransformerBlock");
            assertThat(types).hasSize(2);
            assertThat(m.stageChannels()).containsExactly(32, 128, 256, 512);
            NDArray logits = m.predict(m.manager().randomNormal(new Shape(2, 3, SIZE, SIZE)));
            assertThat(logits.getShape()).isEqualTo(new Shape(2, 10));
        }
    }

    static VisionModel filled(NextViTConfig c) {
        return filled(c, SIZE);
    }

    static VisionModel filled(NextViTConfig c, int size) {
        return FilledModels.create(
                new ModelSpec(c.name(), "nextvit", "ablation", size, 1, (s, o) -> new NextViT(s, c, o)), size, 11);
    }

    @Test
    void patternsLayOutTheBlocksAndNhsIsTheDefault() {
        NextViTConfig ctt = variants().findFirst().orElseThrow();
        assertThat(ctt.blocks().stream()
                        .filter(NextViTConfig.BlockSpec::transformer)
                        .count())
                .isEqualTo(2 + 5 + 2);
        NextViTConfig nhs =
                pico("nhs", new String[] {"C", "CT", "CCCCT", "CT"}, 0.75, NextViTConfig.Norm.BN, Activation.Kind.RELU);
        assertThat(nhs.blocks()).isEqualTo(NextViTConfig.PICO.blocks());
    }

    @Test
    void shrinkRatioOneDropsTheMhcaBranch() {
        try (VisionModel m = filled(pico("r1", null, 1.0, NextViTConfig.Norm.BN, Activation.Kind.RELU))) {
            assertThat(m.namedSlots().keySet()).noneMatch(k -> k.contains(".mhca.") && k.startsWith("features.2."));
            assertThat(m.stageChannels()).containsExactly(32, 128, 256, 512);
        }
    }

    @Test
    void impossibleCombinationsNameTheField() {
        var bn = NextViTConfig.Norm.BN;
        var relu = Activation.Kind.RELU;
        assertThatThrownBy(() -> pico("x", new String[] {"T", "C", "C", "C"}, 0.75, bn, relu))
                .hasMessageContaining("stagePatterns[0]")
                .hasMessageContaining("allowed letters: C");
        assertThatThrownBy(() -> pico("x", new String[] {"C", "CCT", "C", "C"}, 0.75, bn, relu))
                .hasMessageContaining("depths[1] = 2")
                .hasMessageContaining("stagePatterns[1] 'CCT'");
        assertThatThrownBy(() -> pico("x", new String[] {"C", "CX", "C", "C"}, 0.75, bn, relu))
                .hasMessageContaining("C (NCB) and T (NTB)");
        assertThatThrownBy(() -> pico("x", null, 0.0, bn, relu)).hasMessageContaining("mixRatio");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void deployFormAndOnnxGraphsMatchEager(NextViTConfig c) throws IOException {
        try (VisionModel model = filled(c)) {
            NDArray x = model.manager().randomNormal(new Shape(2, 3, SIZE, SIZE));
            float[] eager = Tensors.toFloats(model.predict(x));
            OnnxParity.assertGraphsMatch(model, x, eager, tmp, TOLERANCE);
            assertThat(model.isReparameterized()).isTrue();
            float[] deployed = Tensors.toFloats(model.predict(x));
            assertThat(Tensors.maxAbsDiff(deployed, eager) / Tensors.maxAbs(eager))
                    .as("eager deploy form vs eval form")
                    .isLessThanOrEqualTo(TOLERANCE);
        }
    }

    /** At 64 px, so that the last stage's attention has more than one token (q and k get a gradient). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void gradientsReachEveryWeight(NextViTConfig c) {
        try (VisionModel model = filled(c, 64)) {
            model.setTraining(true);
            model.requireGradients(true);
            try (var step = model.manager().newSubManager()) {
                NDArray x = step.randomNormal(new Shape(2, 3, 64, 64));
                GradientCheck.backward(
                        () -> model.forward(x).logSoftmax(1).sum().neg());
                GradientCheck.assertGradientsFlow(model, key -> key.endsWith(".bias"));
            }
        }
    }
}
