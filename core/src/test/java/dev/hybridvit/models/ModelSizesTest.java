package dev.hybridvit.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.hybridvit.nn.MacCounter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Parameters and multiply-accumulates of every registered model, from one table. A registered model
 * without a row fails, and so does a row whose model is not registered: a new model gets its
 * expected size written down here.
 *
 * <p>Parameters are Σ numel over trainable parameters with the 1000-class head, counted on the
 * architecture alone. MACs are what the papers call FLOPs: convolutions, linear layers and attention
 * matmuls of one image ({@link MacCounter}). They take a forward pass, so a row checks them only
 * where an official count exists.
 */
class ModelSizesTest {
    /** One row: the model, the input side its figures are measured at, its parameters and (optionally) MACs. */
    record Row(String model, int imageSize, Count params, Count macs) {
        @Override
        public String toString() {
            return model + "@" + imageSize;
        }
    }

    /** An expected count: exact, within a tolerance of a published figure, or both. */
    record Count(Long exact, Double about, double tolerance) {
        static Count exactly(long n) {
            return new Count(n, null, 0);
        }

        static Count aboutPercent(double value, double percent) {
            return new Count(null, value, value * percent / 100);
        }

        static Count about(double value, double tolerance) {
            return new Count(null, value, tolerance);
        }

        Count andAboutPercent(double value, double percent) {
            return new Count(exact, value, value * percent / 100);
        }

        void check(String what, long actual) {
            if (exact != null) assertThat(actual).as(what).isEqualTo(exact);
            if (about != null) {
                assertThat((double) actual)
                        .as("%s vs %,.0f ± %,.0f", what, about, tolerance)
                        .isCloseTo(about, within(tolerance));
            }
        }
    }

    static final Map<String, Row> TABLE = table(
            // Next-ViT: the official code (classification/nextvit.py of bytedance/Next-ViT); its MACs counted
            // over convolution/mm/addmm/bmm of the official model, 5.794 G, which the paper rounds to 5.8 G
            row("nextvit_small", 224, Count.exactly(31_763_368L), Count.about(5.794e9, 0.0005e9)),
            row("nextvit_base", 224, Count.exactly(44_818_856L)),
            row("nextvit_large", 224, Count.exactly(57_874_344L)),
            row("nextvit_pico_hv", 32, Count.exactly(4_268_200L)), // the project's own (NextViTConfig.PICO)

            // CMT: the official code (cmt_pytorch/cmt.py of huawei-noah/Efficient-AI-Backbones) at each model's
            // native resolution (the relative position biases depend on it); MACs within 0.5% of its counts
            row("cmt_ti", 160, Count.exactly(9_492_426L), Count.aboutPercent(0.639e9, 0.5)),
            row("cmt_xs", 192, Count.exactly(15_247_208L)),
            row("cmt_s", 224, Count.exactly(26_256_160L), Count.aboutPercent(4.032e9, 0.5)),
            row("cmt_b", 256, Count.exactly(45_715_076L)),
            row("cmt_xxs_hv", 160, Count.exactly(8_311_144L)), // the project's own (CompoundScaling.XXS)
            row("cmt_nano_hv", 128, Count.exactly(3_114_528L)), // the project's own (CompoundScaling.NANO)

            // TRT-ViT has no public code: an independent closed-form count of the layer shapes; TRT-ViT-C within
            // 5% of the ≈ 65 M that the paper's detection totals imply
            row("trtvit_a", 224, Count.exactly(34_391_848L)),
            row("trtvit_b", 224, Count.exactly(49_223_464L)),
            row("trtvit_c", 224, Count.exactly(64_055_080L).andAboutPercent(65e6, 5)),
            row("trtvit_d", 224, Count.exactly(95_952_680L)),
            row("mixnetv", 224, Count.exactly(138_600_488L)),
            row("mixnetv_refined", 224, Count.exactly(180_217_640L)),
            row("mixnet_a", 224, Count.exactly(47_543_336L)),
            row("mixnet_b", 224, Count.exactly(50_691_112L)),
            row("mixnet_c", 224, Count.exactly(50_691_112L)),
            row("trtvit_pico_hv", 32, Count.exactly(1_760_072L))); // the project's own (TRTViTConfig.PICO)

    static List<String> registered() {
        return ModelRegistry.architectures();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("registered")
    void parametersAndMacsMatchTheTable(String name) {
        assertThat(TABLE.containsKey(name))
                .as(
                        "%s is registered but has no row in ModelSizesTest.TABLE: add its"
                                + " expected parameters (and MACs where an official count exists)",
                        name)
                .isTrue();
        Row row = TABLE.get(name);
        ModelSpec spec = ModelRegistry.get(name);
        ModelOptions options = ModelOptions.defaults().withImageSize(row.imageSize());
        try (VisionModel architecture = spec.architecture(options)) {
            row.params().check(row + " parameters", architecture.parameterCount());
        }
        if (row.macs() == null) return;
        try (VisionModel model = spec.create(options, 0)) {
            NDArray x = model.manager().zeros(new Shape(1, 3, row.imageSize(), row.imageSize()));
            row.macs().check(row + " MACs", MacCounter.count(1, () -> model.predict(x)));
        }
    }

    @Test
    void everyRowIsARegisteredModel() {
        List<String> unknown = TABLE.keySet().stream()
                .filter(n -> !ModelRegistry.names().contains(n))
                .toList();
        assertThat(unknown).as("rows whose model is not registered").isEmpty();
    }

    private static Row row(String model, int imageSize, Count params) {
        return new Row(model, imageSize, params, null);
    }

    private static Row row(String model, int imageSize, Count params, Count macs) {
        return new Row(model, imageSize, params, macs);
    }

    private static Map<String, Row> table(Row... rows) {
        Map<String, Row> out = new LinkedHashMap<>();
        Stream.of(rows).forEach(r -> {
            if (out.put(r.model(), r) != null) throw new IllegalStateException("two rows for " + r.model());
        });
        return out;
    }
}
