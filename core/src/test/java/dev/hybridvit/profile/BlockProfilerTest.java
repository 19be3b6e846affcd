package dev.hybridvit.profile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.ModelSpec;
import dev.hybridvit.models.VisionModel;
import dev.hybridvit.models.trtvit.TRTViT;
import dev.hybridvit.models.trtvit.TRTViTConfig;
import dev.hybridvit.nn.MacCounter;
import dev.hybridvit.tensor.Tensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Per-block profiling: the block list covers the model, isolated blocks export faithfully, the report's format. */
class BlockProfilerTest {
    static final int SIZE = 64;
    /** A narrow TRT-ViT with every block kind (Transformer, MixBlock-A/B/C) and K/V reductions 4 and 2. */
    static final TRTViTConfig TINY = new TRTViTConfig(
            "trtvit_tiny_profile",
            "tiny",
            "C-T-A-M",
            16,
            new int[] {32, 64, 128, 128},
            new int[] {1, 2, 1, 2},
            0.5,
            TRTViTConfig.PVT_SR_RATIOS,
            0);

    static final TRTViTConfig TINY_B = TINY.withPattern("trtvit_tiny_profile_b", "C-C-B-B");

    @TempDir
    Path tmp;

    static List<String> models() {
        return List.of("nextvit_pico_hv", "cmt_nano_hv", TINY.name(), TINY_B.name());
    }

    static VisionModel create(String name) {
        ModelSpec spec = switch (name) {
            case "trtvit_tiny_profile" -> trtSpec(TINY);
            case "trtvit_tiny_profile_b" -> trtSpec(TINY_B);
            default -> ModelRegistry.get(name);
        };
        return spec.create(ModelOptions.defaults().withImageSize(SIZE).withNumClasses(10), 0);
    }

    private static ModelSpec trtSpec(TRTViTConfig c) {
        return new ModelSpec(c.name(), "trtvit", c.summary(), SIZE, 0.875, (s, o) -> new TRTViT(s, c, o));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void blocksCoverTheModelsParametersMacsAndForward(String name) {
        try (VisionModel model = create(name)) {
            BlockProfiler.Trace t = BlockProfiler.trace(model, 1);
            Map<String, Long> parts = BlockProfiler.partParams(model);
            long blockParams = t.sites().stream()
                    .mapToLong(s -> s.module().parameterCount())
                    .sum();
            long stageParams = parts.entrySet().stream()
                    .filter(e -> e.getKey().startsWith("stage"))
                    .mapToLong(Map.Entry::getValue)
                    .sum();
            // only CMT has stage parameters outside its blocks: the relative position biases
            long biases = model.namedSlots().entrySet().stream()
                    .filter(e -> e.getKey().startsWith("relative_pos_"))
                    .mapToLong(e -> e.getValue().numel())
                    .sum();
            assertThat(stageParams - blockParams).isEqualTo(biases);
            assertThat(parts.get("stem") + blockParams + biases + parts.get("head"))
                    .isEqualTo(model.parameterCount());

            NDArray x = model.manager().randomNormal(new Shape(1, 3, SIZE, SIZE));
            long whole = MacCounter.count(1, () -> model.predict(x));
            long sum = t.stemMacs()
                    + t.headMacs()
                    + t.sites().stream().mapToLong(BlockProfiler.Site::macs).sum();
            assertThat(sum).isEqualTo(whole);
            assertThat(t.sites()).allSatisfy(s -> assertThat(s.macs()).isPositive());

            // the contract of blocks(): chaining a stage's blocks is the stage
            NDArray viaStages = model.forwardFeatures(x);
            NDArray y = model.runStem(x);
            for (VisionModel.Block b : model.blocks()) y = b.module().forward(y);
            assertThat(Tensors.maxAbsDiff(y.toFloatArray(), viaStages.toFloatArray()))
                    .isLessThan(1e-5);
        }
    }

    /** Every registered model lists its blocks, in stage order, and they hold all parameters but CMT's shared biases. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.hybridvit.models.ModelRegistry#names")
    void everyRegisteredModelListsBlocksCoveringItsParameters(String name) {
        VisionModel model = ModelRegistry.get(name).architecture(ModelOptions.defaults());
        List<VisionModel.Block> blocks = model.blocks();
        assertThat(blocks).extracting(VisionModel.Block::stage).isSorted().contains(0, 1, 2, 3);
        assertThat(blocks).extracting(VisionModel.Block::name).doesNotHaveDuplicates();
        Map<String, Long> parts = BlockProfiler.partParams(model);
        long biases = model.namedSlots().entrySet().stream()
                .filter(e -> e.getKey().startsWith("relative_pos_"))
                .mapToLong(e -> e.getValue().numel())
                .sum();
        long inBlocks =
                blocks.stream().mapToLong(b -> b.module().parameterCount()).sum();
        assertThat(parts.get("stem") + inBlocks + biases + parts.get("head")).isEqualTo(model.parameterCount());
    }

    @Test
    void nextVitSmallHasTwentyBlocksInFourStages() {
        try (VisionModel model = ModelRegistry.get("nextvit_small").architecture(ModelOptions.defaults())) {
            List<VisionModel.Block> blocks = model.blocks();
            assertThat(blocks).hasSize(20);
            assertThat(blocks)
                    .extracting(VisionModel.Block::stage)
                    .containsExactly(0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3);
            assertThat(blocks.get(3).name()).isEqualTo("features.3");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void eachBlockExportedAloneMatchesTheEagerBlock(String name) {
        try (VisionModel model = create(name)) {
            BlockProfiler.Trace t = BlockProfiler.trace(model, 2);
            if (!model.isReparameterized()) model.reparameterize();
            for (BlockProfiler.Site s : t.sites()) {
                float[] input = Timing.randomInput(new Shape(s.inputShape()).size());
                float[] eager;
                try (NDManager scope = model.manager().newSubManager()) {
                    eager = s.module()
                            .forward(scope.create(input, new Shape(s.inputShape())))
                            .toFloatArray();
                }
                float[] onnx;
                try (OrtRunner r = new OrtRunner(BlockProfiler.onnxGraph(s).toBytes(), 1, input, s.inputShape())) {
                    onnx = r.output();
                }
                assertThat(Tensors.maxAbsDiff(onnx, eager))
                        .as(s.name())
                        .isLessThanOrEqualTo(1e-4 * Math.max(1, Tensors.maxAbs(eager)));
            }
        }
    }

    @Test
    void profileMeasuresEveryBlockInBothRuntimesAndWritesJsonAndChart() throws IOException {
        for (String runtime : BlockProfiler.RUNTIMES) {
            try (VisionModel model = create("cmt_nano_hv")) {
                List<String> log = new ArrayList<>();
                BlockProfiler.Profile p =
                        BlockProfiler.profile(model, new BlockProfiler.Config(runtime, 1, 1, 2, 1), log::add);
                assertThat(p.blocks()).hasSize(model.blocks().size()).hasSize(log.size());
                assertThat(p.blocks()).allSatisfy(r -> {
                    assertThat(r.latencyMsMedian()).isPositive();
                    assertThat(r.tflops()).isPositive();
                    assertThat(r.runtime()).isEqualTo(runtime);
                });
                assertThat(p.stages())
                        .hasSize(4)
                        .allSatisfy(s -> assertThat(s.sharedParams()).isPositive());
                String table = BlockProfiler.render(p);
                assertThat(table).contains("patch_embed_a", "blocks_d.0", "CMTBlock", "(total)*", "TFLOPS");

                Path json = tmp.resolve(runtime + ".json"), png = tmp.resolve(runtime + ".png");
                BlockProfiler.writeJson(p.blocks(), json);
                ProfileCharts.writeBlocksPng(p, png);
                JsonNode arr = new ObjectMapper().readTree(json.toFile());
                assertThat(arr).hasSize(p.blocks().size());
                assertThat(arr.get(1).fieldNames())
                        .toIterable()
                        .containsExactly(
                                "model",
                                "stage",
                                "block",
                                "block_type",
                                "input_shape",
                                "params",
                                "macs",
                                "latency_ms_median",
                                "tflops",
                                "tparams_per_s",
                                "runtime",
                                "threads",
                                "batch");
                assertThat(arr.get(1).get("block").asText()).isEqualTo("blocks_a.0");
                assertThat(arr.get(1).get("input_shape")).hasSize(4);
                assertThat(Files.size(png)).isPositive();
                assertThat(tmp.toFile().list()).noneMatch(f -> f.endsWith(".tmp"));
            }
        }
    }

    @Test
    void rejectsBadSettingsWithReasons() {
        assertThatThrownBy(() -> new BlockProfiler.Config("tensorrt", 1, 0, 1, 0))
                .hasMessageContaining("unknown runtime 'tensorrt'");
        assertThatThrownBy(() -> new BlockProfiler.Config("onnx", 0, 0, 1, 0))
                .hasMessageContaining("batch must be at least 1");
    }
}
