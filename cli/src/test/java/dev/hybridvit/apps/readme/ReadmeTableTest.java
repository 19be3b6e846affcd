package dev.hybridvit.apps.readme;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.profile.Benchmark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's model table from benchmark records, and its replacement between the markers. */
class ReadmeTableTest {
    @TempDir
    Path tmp;

    private static Benchmark.Record record(String model, String runtime, int batch, double ms) {
        return new Benchmark.Record(
                model,
                "cmt",
                runtime,
                batch,
                128,
                3_114_528,
                91_000_000,
                ms,
                ms * 1.1,
                ms * 0.9,
                batch / ms * 1e3,
                10,
                100,
                0.1,
                500,
                "note",
                2,
                runtime.equals(Benchmark.ONNX_INT8) ? "int8" : "float32",
                true,
                30,
                5,
                new Benchmark.Machine("Test CPU", 2, "Linux amd64", "17"),
                runtime.equals("torch") ? "PyTorch 2.7.1" : "onnxruntime 1.29.0",
                runtime.equals(Benchmark.ONNX_INT8) ? 2.0 : null);
    }

    @Test
    void readmeTableListsEveryRegisteredModelWithItsConditions() throws IOException {
        List<Benchmark.Record> records = List.of(
                record("cmt_nano_hv", "torch", 1, 20),
                record("cmt_nano_hv", "onnx", 1, 8),
                record("cmt_nano_hv", "onnx", 8, 50),
                record("nextvit_pico_hv", "onnx", 1, 2));
        String md = ReadmeTable.markdown(records);
        assertThat(md)
                .contains("Test CPU (2 cores", "with onnxruntime 1.29.0, float32, batch 1, 2 threads")
                .contains("| model | params | GMACs | ONNX Runtime ms |\n|---|---|---|---|\n")
                .contains("| `cmt_nano_hv` | 3.11 M | 0.091 | 8.0 |\n")
                .contains("| `nextvit_pico_hv` | 3.11 M | 0.091 | 2.0 |\n")
                .doesNotContain("50.0", "20.0", "PyTorch 2.7.1", "re-impl");
        for (String m : ModelRegistry.architectures()) assertThat(md).contains("| `" + m + "` |");
        assertThat(md).as("an untimed resolution alias has no row").doesNotContain("nextvit_small_384");
        Path readme = Files.writeString(
                tmp.resolve("README.md"), "intro\n" + ReadmeTable.BEGIN + "\nold\n" + ReadmeTable.END + "\nrest\n");
        ReadmeTable.updateReadme(readme, records);
        String text = Files.readString(readme);
        assertThat(text)
                .startsWith("intro\n" + ReadmeTable.BEGIN + "\n")
                .endsWith(ReadmeTable.END + "\nrest\n")
                .doesNotContain("old");
        ReadmeTable.updateReadme(readme, records);
        assertThat(Files.readString(readme)).isEqualTo(text);
    }

    @Test
    void theInt8SpeedUpIsAColumnWhenInt8WasTimed() {
        List<Benchmark.Record> records = List.of(
                record("cmt_nano_hv", "onnx", 1, 8),
                record("cmt_nano_hv", Benchmark.ONNX_INT8, 1, 4),
                record("nextvit_pico_hv", "onnx", 1, 2));
        String md = ReadmeTable.markdown(records);
        assertThat(md)
                .contains("float32 and int8, batch 1")
                .contains("| model | params | GMACs | ONNX Runtime ms | int8 ms (speed-up) |\n|---|---|---|---|---|\n")
                .contains("| `cmt_nano_hv` | 3.11 M | 0.091 | 8.0 | 4.0 (2.00×) |\n")
                .contains("| `nextvit_pico_hv` | 3.11 M | 0.091 | 2.0 | — |\n");
    }

    @Test
    void theSpeedUpOverThePyTorchReimplementationIsAColumnWhenItWasTimed() {
        List<Benchmark.Record> records = List.of(
                record("cmt_nano_hv", "onnx", 1, 8),
                record("cmt_nano_hv", Benchmark.PYTORCH_REIMPL, 1, 12),
                record("nextvit_pico_hv", "onnx", 1, 2));
        String md = ReadmeTable.markdown(records);
        assertThat(md)
                .contains(
                        "| model | params | GMACs | ONNX Runtime ms | speed-up over PyTorch re-impl. |\n|---|---|---|---|---|\n")
                .contains("| `cmt_nano_hv` | 3.11 M | 0.091 | 8.0 | 1.50× |\n")
                .contains("| `nextvit_pico_hv` | 3.11 M | 0.091 | 2.0 | — |\n")
                .contains("| `cmt_ti` | — | — | — | — |\n")
                .contains("tools/pytorch-reimplementation");
    }
}
