package dev.hybridvit.apps.readme;

import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.profile.Benchmark;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's model table from benchmark records, and its replacement between the markers. */
class ReadmeTableTest {
    @TempDir Path tmp;

    private static Benchmark.Record record(String model, String runtime, int batch, double ms) {
        return new Benchmark.Record(model, "cmt", runtime, batch, 128, 3_114_528, 91_000_000, ms, ms * 1.1, ms * 0.9, batch / ms * 1e3,
                10, 100, 0.1, 500, "note", 2, "float32", true, 30, 5, new Benchmark.Machine("Test CPU", 2, "Linux amd64", "17"),
                runtime.equals("onnx") ? "onnxruntime 1.29.0" : "PyTorch 2.7.1");
    }

    @Test
    void readmeTableListsEveryRegisteredModelWithItsConditions() throws IOException {
        List<Benchmark.Record> records = List.of(record("cmt_nano_hv", "torch", 1, 20), record("cmt_nano_hv", "onnx", 1, 8),
                record("cmt_nano_hv", "onnx", 8, 50), record("nextvit_pico_hv", "onnx", 1, 2));
        String md = ReadmeTable.markdown(records);
        assertThat(md).contains("Test CPU (2 cores", "float32, batch 1, 2 threads", "onnxruntime 1.29.0", "PyTorch 2.7.1")
                .contains("| `cmt_nano_hv` | cmt | 128 | 3.11 M | 0.091 | 20.0 | 8.0 | 2.5× | 10.0 (10%) |")
                .contains("| `nextvit_pico_hv` | cmt | 128 | 3.11 M | 0.091 | — | 2.0 | — |")
                .doesNotContain("50.0");
        for (String m : ModelRegistry.names()) assertThat(md).contains("| `" + m + "` |");
        Path readme = Files.writeString(tmp.resolve("README.md"), "intro\n" + ReadmeTable.BEGIN + "\nold\n" + ReadmeTable.END + "\nrest\n");
        ReadmeTable.updateReadme(readme, records);
        String text = Files.readString(readme);
        assertThat(text).startsWith("intro\n" + ReadmeTable.BEGIN + "\n").endsWith(ReadmeTable.END + "\nrest\n").doesNotContain("old");
        ReadmeTable.updateReadme(readme, records);
        assertThat(Files.readString(readme)).isEqualTo(text);
    }
}
