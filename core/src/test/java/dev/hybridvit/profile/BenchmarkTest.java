package dev.hybridvit.profile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hybridvit.export.ExportOptions;
import dev.hybridvit.export.Exporter;
import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.VisionModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The benchmark's report format (no timing assertions: figures are printed, not judged). */
class BenchmarkTest {
    @TempDir
    Path tmp;

    @Test
    void reportsBothRuntimesAndTheBaselineWithTheDocumentedJsonFieldsAndAChart() throws IOException {
        // The plain (not reparameterised) export stands in for the PyTorch re-implementation's export in the baseline
        // folder.
        Path baseline = Files.createDirectories(tmp.resolve("baseline"));
        try (VisionModel plain = ModelRegistry.get("nextvit_small")
                .create(ModelOptions.defaults().withImageSize(64), 0)) {
            Exporter.export(plain, baseline.resolve("nextvit_small.onnx"), ExportOptions.defaults());
        }
        Benchmark.Config c = new Benchmark.Config(
                List.of("nextvit_small"),
                List.of("torch", "onnx"),
                List.of(1),
                64,
                2,
                2,
                1,
                tmp.resolve("profiles"),
                baseline);
        List<String> log = new ArrayList<>();
        List<Benchmark.Record> records = Benchmark.run(c, log::add);
        assertThat(records)
                .extracting(Benchmark.Record::runtime)
                .containsExactly("torch", "onnx", Benchmark.PYTORCH_REIMPL);
        assertThat(records.get(2).deploy()).isFalse();
        Path json = tmp.resolve("bench.json"), png = tmp.resolve("bench.png");
        Benchmark.writeJson(records, json);
        BenchmarkChart.writePng(records, png);
        JsonNode arr = new ObjectMapper().readTree(json.toFile());
        assertThat(arr.isArray()).isTrue();
        for (JsonNode r : arr) {
            assertThat(r.fieldNames())
                    .toIterable()
                    .contains(
                            "model",
                            "runtime",
                            "batch",
                            "img_size",
                            "latency_ms_median",
                            "latency_ms_p90",
                            "images_per_s",
                            "gflops_achieved",
                            "peak_gflops",
                            "fraction_of_peak",
                            "peak_rss_mb",
                            "threads",
                            "precision",
                            "machine",
                            "runtime_version");
            assertThat(r.get("latency_ms_median").asDouble()).isPositive();
            assertThat(r.get("peak_gflops").asDouble()).isPositive();
            assertThat(r.get("machine").get("cores").asInt()).isPositive();
        }
        assertThat(Benchmark.readJson(json)).hasSize(3);
        assertThat(Files.size(png)).isPositive();
        assertThat(String.join("\n", log)).contains("of peak", "kernel time by op type", "Conv");
    }

    @Test
    void int8IsTimedInTheSameRunsAsFloat32AndItsSpeedUpIsTheRatioOfTheirMedians() throws IOException {
        Benchmark.Config c = new Benchmark.Config(
                List.of("cmt_nano_hv"), List.of("onnx"), List.of(1), 64, 1, 2, 1, null, null, List.of("fp32", "int8"));
        List<Benchmark.Record> records = Benchmark.run(c, line -> {});
        assertThat(records).extracting(Benchmark.Record::runtime).containsExactly("onnx", Benchmark.ONNX_INT8);
        Benchmark.Record fp32 = records.get(0), int8 = records.get(1);
        assertThat(fp32.precision()).isEqualTo("float32");
        assertThat(int8.precision()).isEqualTo("int8");
        assertThat(fp32.runs()).isEqualTo(int8.runs());
        assertThat(int8.speedupVsFp32()).isCloseTo(fp32.latencyMsMedian() / int8.latencyMsMedian(), within(1e-9));
    }

    @Test
    void baselineMustMatchTheMeasuredInputAndNeedsTheOnnxRuntime() throws IOException {
        Path baseline = Files.createDirectories(tmp.resolve("baseline"));
        try (VisionModel plain =
                ModelRegistry.get("cmt_nano_hv").create(ModelOptions.defaults().withImageSize(64), 0)) {
            Exporter.export(plain, baseline.resolve("cmt_nano_hv.onnx"), ExportOptions.defaults());
        }
        Benchmark.Config other =
                new Benchmark.Config(List.of("cmt_nano_hv"), List.of("onnx"), List.of(1), 96, 2, 1, 0, null, baseline);
        assertThatThrownBy(() -> Benchmark.run(other, s -> {}))
                .hasMessageContaining("cmt_nano_hv.onnx takes 1×3×64×64, but this measurement is 1×3×96×96");
        assertThatThrownBy(() -> new Benchmark.Config(
                        List.of("cmt_nano_hv"), List.of("torch"), List.of(1), 0, 0, 1, 0, null, baseline))
                .hasMessageContaining("add the onnx runtime");
        assertThatThrownBy(() -> new Benchmark.Config(
                        List.of("cmt_nano_hv"), List.of("onnx"), List.of(1), 0, 0, 1, 0, null, tmp.resolve("none")))
                .hasMessageContaining("does not exist");
    }

    @Test
    void rejectsUnknownRuntimeAndModel() {
        assertThatThrownBy(() -> new Benchmark.Config(
                        List.of("nextvit_small"), List.of("tensorrt"), List.of(1), 0, 0, 1, 0, null, null))
                .hasMessageContaining("unknown runtime 'tensorrt'");
        assertThatThrownBy(() ->
                        new Benchmark.Config(List.of("nope"), List.of("onnx"), List.of(1), 0, 0, 1, 0, null, null))
                .hasMessageContaining("unknown model 'nope'");
    }

    @Test
    void percentileInterpolates() {
        double[] v = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        assertThat(Timing.percentile(v, 0.5)).isEqualTo(5.5);
        assertThat(Timing.percentile(v, 0.9)).isCloseTo(9.1, org.assertj.core.data.Offset.offset(1e-9));
    }
}
