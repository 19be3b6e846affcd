package dev.hybridvit.models.trtvit;

import static dev.hybridvit.models.trtvit.TRTViTConfig.Kind.BOTTLENECK;
import static dev.hybridvit.models.trtvit.TRTViTConfig.Kind.MIX_A;
import static dev.hybridvit.models.trtvit.TRTViTConfig.Kind.MIX_B;
import static dev.hybridvit.models.trtvit.TRTViTConfig.Kind.MIX_C;
import static dev.hybridvit.models.trtvit.TRTViTConfig.Kind.TRANSFORMER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.ModelSpec;
import dev.hybridvit.models.VisionModel;
import dev.hybridvit.nn.DropPath;
import dev.hybridvit.nn.MacCounter;
import dev.hybridvit.nn.Module;
import dev.hybridvit.tensor.Tensors;
import dev.hybridvit.testing.GradientCheck;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** TRT-ViT reconstruction: pattern parsing, configuration checks, state-dict layouts, block shapes and work, strides, gradients. */
class TRTViTTest {
    private static final int[] SR = TRTViTConfig.PVT_SR_RATIOS;

    // ---------------------------------------------------------------- patterns and configuration

    @Test
    void parsesStagePatterns() {
        assertThat(TRTViTConfig.parsePattern("C-C-C-M")).containsExactly(BOTTLENECK, BOTTLENECK, BOTTLENECK, MIX_C);
        assertThat(TRTViTConfig.parsePattern("C-C-T-T"))
                .containsExactly(BOTTLENECK, BOTTLENECK, TRANSFORMER, TRANSFORMER);
        assertThat(TRTViTConfig.parsePattern("C-A-B-M")).containsExactly(BOTTLENECK, MIX_A, MIX_B, MIX_C);
    }

    @Test
    void rejectsBadPatternsWithReasons() {
        assertThatThrownBy(() -> TRTViTConfig.parsePattern("")).hasMessageContaining("empty stage pattern");
        assertThatThrownBy(() -> TRTViTConfig.parsePattern(null)).hasMessageContaining("empty stage pattern");
        assertThatThrownBy(() -> TRTViTConfig.parsePattern("C-C-M"))
                .hasMessageContaining("has 3 stages")
                .hasMessageContaining("4");
        assertThatThrownBy(() -> TRTViTConfig.parsePattern("C-C-C-M-M")).hasMessageContaining("has 5 stages");
        assertThatThrownBy(() -> TRTViTConfig.parsePattern("CCCM")).hasMessageContaining("has 1 stages");
        assertThatThrownBy(() -> TRTViTConfig.parsePattern("C-C-X-M"))
                .hasMessageContaining("stage 3 is 'X'")
                .hasMessageContaining("M (MixBlock-C)");
        assertThatThrownBy(() -> TRTViTConfig.parsePattern("C--C-M")).hasMessageContaining("stage 2 is ''");
        assertThatThrownBy(() -> TRTViTConfig.parsePattern("C-C-C-MM")).hasMessageContaining("stage 4 is 'MM'");
        assertThatThrownBy(() -> TRTViTConfig.parsePattern("c-c-c-m")).hasMessageContaining("stage 1 is 'c'");
    }

    @Test
    void rejectsWidthsRatiosAndReductionsThatDoNotFit() {
        int[] w = {256, 512, 1024, 2048}, d = {1, 1, 1, 1};
        assertThatThrownBy(() -> new TRTViTConfig("x", "x", "C-C-C-M", 64, w, d, 0.3, SR, 0))
                .hasMessageContaining("stage 4")
                .hasMessageContaining("R·C = 614.40");
        assertThatThrownBy(() ->
                        new TRTViTConfig("x", "x", "C-C-T-M", 64, new int[] {256, 512, 1000, 2048}, d, 0.5, SR, 0))
                .hasMessageContaining("stage 3")
                .hasMessageContaining("head dim 32");
        assertThatThrownBy(() -> new TRTViTConfig("x", "x", "C-C-T-M", 64, w, d, 0.5, new int[] {8, 4, 4, 1}, 0))
                .hasMessageContaining("stage 3")
                .hasMessageContaining("at most 2");
        assertThatThrownBy(() -> new TRTViTConfig("x", "x", "C-C-C-M", 64, w, new int[] {1, 0, 1, 1}, 0.5, SR, 0))
                .hasMessageContaining("depth must be at least 1");
        assertThatThrownBy(() -> new TRTViTConfig("x", "x", "C-C-C-M", 64, w, d, 1.0, SR, 0))
                .hasMessageContaining("R must be in (0, 1)");
        assertThatThrownBy(() -> new TRTViTConfig("x", "x", "C-C-C-M", 64, new int[] {256, 512, 1024}, d, 0.5, SR, 0))
                .hasMessageContaining("one entry per stage");
        // a BottleNeck stage ignores its sr; R = 0.25 fits 2048 (512 = 16 heads)
        assertThat(new TRTViTConfig("x", "x", "C-C-C-M", 64, w, d, 0.25, new int[] {3, 3, 3, 1}, 0)
                        .transformerWidth(2048))
                .isEqualTo(512);
    }

    // ---------------------------------------------------------------- layouts

    @Test
    void allBottleNeckPatternIsExactlyResNet50() {
        // torchvision resnet50: 25,557,032 parameters; same key names inside the stages
        TRTViTConfig r50 = new TRTViTConfig(
                "resnet50_like",
                "ResNet-50",
                "C-C-C-C",
                64,
                new int[] {256, 512, 1024, 2048},
                new int[] {3, 4, 6, 3},
                0.5,
                SR,
                0);
        TRTViT model = new TRTViT(spec(r50), r50, ModelOptions.defaults());
        assertThat(model.parameterCount()).isEqualTo(25_557_032L);
        var slots = model.namedSlots();
        assertThat(slots)
                .containsKeys(
                        "stem.conv.weight",
                        "stem.bn.running_var",
                        "stages.0.blocks.0.downsample.0.weight",
                        "stages.3.blocks.2.conv3.weight",
                        "head.fc.weight")
                .doesNotContainKey("head.norm.weight");
        assertThat(slots.get("stages.1.blocks.0.conv2.weight").shape()).isEqualTo(new Shape(128, 128, 3, 3));
        assertThat(slots.keySet().stream().filter(k -> k.contains("downsample")).count())
                .isEqualTo(4 * 6); // conv weight + 5 BN slots, one projection per stage
        // MACs as fvcore counts torchvision's ResNet-50 (convolutions + classifier): 4,089,184,256
        try (VisionModel built = model.build(0)) {
            NDArray x = built.manager().zeros(new Shape(1, 3, 224, 224));
            assertThat(MacCounter.count(1, () -> built.predict(x))).isEqualTo(4_089_184_256L);
        }
    }

    @Test
    void stateDictNamesOfTrtVitC() {
        var slots = ModelRegistry.get("trtvit_c")
                .architecture(ModelOptions.defaults())
                .namedSlots();
        assertThat(slots.get("stages.3.blocks.0.patch_embed.conv.weight").shape())
                .isEqualTo(new Shape(1024, 1024, 1, 1));
        assertThat(slots.get("stages.3.blocks.1.patch_embed.conv.weight").shape())
                .isEqualTo(new Shape(1024, 2048, 1, 1));
        assertThat(slots.get("stages.3.blocks.1.transformer.attn.kv.weight").shape())
                .isEqualTo(new Shape(2048, 1024));
        assertThat(slots.get("stages.3.blocks.1.transformer.mlp.fc1.weight").shape())
                .isEqualTo(new Shape(3072, 1024));
        assertThat(slots.get("stages.3.blocks.1.bottleneck.conv2.weight").shape())
                .isEqualTo(new Shape(256, 256, 3, 3));
        assertThat(slots)
                .containsKeys("head.norm.weight", "head.fc.bias", "stages.3.blocks.3.transformer.norm2.bias")
                .doesNotContainKey("stages.3.blocks.1.bottleneck.downsample.0.weight")
                .doesNotContainKey("stages.3.blocks.1.transformer.patch_embed.conv.weight")
                .doesNotContainKey("stages.3.blocks.1.transformer.attn.sr.weight");
    }

    // ---------------------------------------------------------------- blocks

    @ParameterizedTest(name = "R={0}")
    @ValueSource(doubles = {0.25, 0.5, 0.75})
    void mixBlocksKeepTheirWidthAndStrideForAnyR(double r) {
        try (NDManager m = Tensors.newManager()) {
            NDArray x = m.randomNormal(new Shape(2, 64, 8, 8));
            for (Module block : List.of(
                    new MixBlockA(64, 128, 2, r, 1, 0),
                    new MixBlockB(64, 128, 2, r, 1, 0),
                    new MixBlockC(64, 128, 2, r, 1, 0))) {
                assertThat(run(block, x, m).getShape())
                        .as(block.getClass().getSimpleName())
                        .isEqualTo(new Shape(2, 128, 4, 4));
            }
            // stride 1, same width, K/V reduction 2 inside
            NDArray y = m.randomNormal(new Shape(2, 128, 4, 4));
            for (Module block : List.of(
                    new MixBlockA(128, 128, 1, r, 2, 0),
                    new MixBlockB(128, 128, 1, r, 2, 0),
                    new MixBlockC(128, 128, 1, r, 2, 0))) {
                assertThat(run(block, y, m).getShape())
                        .as(block.getClass().getSimpleName())
                        .isEqualTo(new Shape(2, 128, 4, 4));
            }
        }
        int ct = (int) Math.round(128 * r);
        var c = new MixBlockC(64, 128, 2, r, 1, 0).namedSlots();
        assertThat(c.get("patch_embed.conv.weight").shape()).isEqualTo(new Shape(ct, 64, 1, 1));
        assertThat(c.get("transformer.attn.q.weight").shape()).isEqualTo(new Shape(ct, ct));
        assertThat(c.get("bottleneck.conv3.weight").shape()).isEqualTo(new Shape(128 - ct, (128 - ct) / 4, 1, 1));
        var a = new MixBlockA(128, 128, 1, r, 1, 0).namedSlots();
        assertThat(a).doesNotContainKey("patch_embed.conv.weight");
        assertThat(a.get("transformer.norm1.weight").shape()).isEqualTo(new Shape(ct));
        assertThat(a.get("bottleneck.conv1.weight").shape()).isEqualTo(new Shape((128 - ct) / 4, 128 - ct, 1, 1));
        var b = new MixBlockB(64, 128, 2, r, 1, 0).namedSlots();
        assertThat(b.containsKey("transformer.patch_embed.conv.weight")).isEqualTo(r != 0.5);
    }

    @Test
    void mixBlockBIsMixBlockCWithTheOperatorsSwappedAtHalfWidth() {
        for (int[] io : new int[][] {{1024, 2048, 2}, {2048, 2048, 1}}) {
            Module b = new MixBlockB(io[0], io[1], io[2], 0.5, 1, 0), c = new MixBlockC(io[0], io[1], io[2], 0.5, 1, 0);
            assertThat(b.parameterCount()).isEqualTo(c.parameterCount());
        }
        // the same work too (so mixnet_b and mixnet_c have the same MACs)
        try (NDManager m = Tensors.newManager()) {
            for (int[] io : new int[][] {{64, 128, 2}, {128, 128, 1}}) {
                Module b = new MixBlockB(io[0], io[1], io[2], 0.5, 2, 0),
                        c = new MixBlockC(io[0], io[1], io[2], 0.5, 2, 0);
                NDArray x = m.randomNormal(new Shape(1, io[0], 8, 8));
                assertThat(MacCounter.count(1, () -> run(b, x, m)))
                        .isEqualTo(MacCounter.count(1, () -> run(c, x, m)))
                        .isPositive();
            }
        }
    }

    @Test
    void mixBlockCConcatenatesTransformerThenBottleNeck() {
        try (NDManager m = Tensors.newManager()) {
            MixBlockC c = new MixBlockC(64, 64, 1, 0.5, 1, 0);
            c.materialize(m);
            c.setTraining(false);
            NDArray x = m.randomNormal(new Shape(1, 64, 4, 4));
            NDArray out = c.forward(x);
            // the first R·C output channels are the Transformer's output on the projected input
            var slots = c.namedSlots();
            NDArray projected = c.children().get("patch_embed").forward(x);
            NDArray global = c.children().get("transformer").forward(projected);
            float[] head = Tensors.toFloats(out.get(":, 0:32"));
            assertThat(Tensors.maxAbsDiff(head, Tensors.toFloats(global))).isLessThan(1e-6);
            float[] tail = Tensors.toFloats(out.get(":, 32:64"));
            NDArray local = c.children().get("bottleneck").forward(global);
            assertThat(Tensors.maxAbsDiff(tail, Tensors.toFloats(local))).isLessThan(1e-6);
            assertThat(slots).containsKey("bottleneck.bn3.running_mean");
        }
    }

    @Test
    void transformerBlockUsesHeadDim32MlpRatio3AndOptionalReduction() {
        TransformerBlock plain = new TransformerBlock(256, 256, 1, 1, 0);
        assertThat(plain.attn.heads).isEqualTo(8);
        var slots = plain.namedSlots();
        assertThat(slots.get("mlp.fc1.weight").shape()).isEqualTo(new Shape(768, 256));
        assertThat(slots).doesNotContainKeys("patch_embed.conv.weight", "attn.sr.weight", "attn.norm.weight");
        TransformerBlock reduced = new TransformerBlock(128, 64, 2, 4, 0);
        var r = reduced.namedSlots();
        assertThat(r.get("attn.sr.weight").shape()).isEqualTo(new Shape(64, 64, 4, 4));
        assertThat(r.get("patch_embed.conv.weight").shape()).isEqualTo(new Shape(64, 128, 1, 1));
        assertThat(r).containsKeys("attn.sr.bias", "attn.norm.weight", "norm1.weight", "norm2.bias");
        try (NDManager m = Tensors.newManager()) {
            assertThat(run(reduced, m.randomNormal(new Shape(2, 128, 16, 12)), m)
                            .getShape())
                    .isEqualTo(new Shape(2, 64, 8, 6));
            // floor-mode reduction of a map not divisible by sr (PVT's conv): 10x6 → keys from 2x1
            assertThat(run(new TransformerBlock(64, 64, 1, 4, 0), m.randomNormal(new Shape(1, 64, 10, 6)), m)
                            .getShape())
                    .isEqualTo(new Shape(1, 64, 10, 6));
            TransformerBlock small = new TransformerBlock(64, 64, 1, 4, 0);
            assertThatThrownBy(() -> run(small, m.randomNormal(new Shape(1, 64, 3, 8)), m))
                    .hasMessageContaining("smaller than the K/V reduction window 4x4");
        }
    }

    @Test
    void bottleNeckShapesAndShortcut() {
        assertThat(new BottleNeck(256, 256, 1, 0).namedSlots()).doesNotContainKey("downsample.0.weight");
        var down = new BottleNeck(256, 512, 2, 0).namedSlots();
        assertThat(down.get("downsample.0.weight").shape()).isEqualTo(new Shape(512, 256, 1, 1));
        assertThat(down.get("conv2.weight").shape()).isEqualTo(new Shape(128, 128, 3, 3));
        try (NDManager m = Tensors.newManager()) {
            assertThat(run(new BottleNeck(16, 32, 2, 0), m.randomNormal(new Shape(1, 16, 7, 7)), m)
                            .getShape())
                    .isEqualTo(new Shape(1, 32, 4, 4));
        }
        assertThatThrownBy(() -> new BottleNeck(16, 30, 1, 0)).hasMessageContaining("multiple of 4");
    }

    // ---------------------------------------------------------------- whole models

    /** A narrow model using every block kind and every K/V reduction (stage 2 sr 4, stage 3 sr 2). */
    private static final TRTViTConfig TINY_ALL_KINDS = new TRTViTConfig(
            "trtvit_tiny_test",
            "tiny",
            "C-T-A-M",
            16,
            new int[] {32, 64, 128, 128},
            new int[] {1, 2, 2, 2},
            0.5,
            SR,
            0.1);

    private static final TRTViTConfig TINY_B = TINY_ALL_KINDS.withPattern("trtvit_tiny_b", "C-B-B-B");

    @ParameterizedTest(name = "{0}")
    @ValueSource(ints = {64, 96, 160})
    void stridesAndWidthsAtSizesDivisibleBy32(int size) {
        for (TRTViTConfig cfg : List.of(TINY_ALL_KINDS, TINY_B)) {
            try (VisionModel model =
                    new TRTViT(spec(cfg), cfg, ModelOptions.defaults().withNumClasses(5)).build(3)) {
                NDArray x = model.manager().randomNormal(new Shape(1, 3, size, size));
                List<NDArray> stages = model.forwardStages(x);
                for (int i = 0; i < 4; i++) {
                    int side = size / model.stageStrides()[i];
                    assertThat(stages.get(i).getShape()).isEqualTo(new Shape(1, model.stageChannels()[i], side, side));
                }
                assertThat(model.predict(x).getShape()).isEqualTo(new Shape(1, 5));
            }
        }
    }

    @Test
    void inputSizeChecksNameTheModelAndTheReason() {
        TRTViT model = new TRTViT(spec(TINY_ALL_KINDS), TINY_ALL_KINDS, ModelOptions.defaults());
        assertThatThrownBy(() -> model.checkInputSize(16, 64))
                .hasMessageContaining("trtvit_tiny_test")
                .hasMessageContaining("32x32");
        // 32x32: stage 2 has a 4x4 map = its 4x4 window; 40x40 → 5x5 is fine too (floor-mode keys)
        model.checkInputSize(32, 32);
        model.checkInputSize(40, 40);
        assertThatThrownBy(() -> model.checkInputSize(96, 20)).hasMessageContaining("input 96x20 is too small");
    }

    @Test
    void everyParameterOfEveryKindLearns() {
        for (TRTViTConfig cfg : List.of(TINY_ALL_KINDS, TINY_B)) {
            try (VisionModel model = new TRTViT(
                            spec(cfg),
                            cfg,
                            ModelOptions.defaults().withNumClasses(4).withDropPath(0))
                    .build(5)) {
                model.setTraining(true);
                model.requireGradients(true);
                try (NDManager step = model.manager().newSubManager()) {
                    NDArray x = step.randomNormal(new Shape(2, 3, 64, 64));
                    GradientCheck.backward(() ->
                            model.forward(x).logSoftmax(1).get(":, 1").sum().neg());
                    assertThat(GradientCheck.parametersWithoutGradient(model, key -> false))
                            .as(cfg.pattern())
                            .isEmpty();
                }
            }
        }
    }

    @Test
    void dropPathGrowsLinearlyOverAllBlocks() {
        assertThat(DropPath.linearSchedule(0.2, 5))
                .containsExactly(0.0, (float) 0.05, (float) 0.1, (float) 0.15, (float) 0.2);
        assertThat(DropPath.linearSchedule(0.2, 1)).containsExactly(0.0);
    }

    // ---------------------------------------------------------------- helpers

    private static ModelSpec spec(TRTViTConfig cfg) {
        return new ModelSpec(cfg.name(), "trtvit", cfg.summary(), 224, 0.875, (s, o) -> new TRTViT(s, cfg, o));
    }

    /** Materialises a standalone block in {@code m}, eval mode, and runs it. */
    private static NDArray run(Module block, NDArray x, NDManager m) {
        block.materialize(m);
        block.setTraining(false);
        return block.forward(x);
    }
}
