package dev.hybridvit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's example runs: weights saved and loaded, an ONNX file written, top-5 from both runtimes. */
class QuickStartTest {
    @Test
    void runsEndToEnd(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream out = System.out;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            QuickStart.main(new String[] {dir.toString()});
        } finally {
            System.setOut(out);
        }
        String printed = captured.toString(StandardCharsets.UTF_8);

        assertThat(dir.resolve("trtvit_pico_hv.safetensors")).isRegularFile();
        assertThat(dir.resolve("trtvit_pico_hv.onnx")).isRegularFile();
        assertThat(Files.size(dir.resolve("trtvit_pico_hv.onnx"))).isGreaterThan(1_000_000);
        assertThat(printed).contains("trtvit_pico_hv: ", "loaded ", "TORCH top-5:", "ONNX top-5:");
        // five ranked classes per runtime, the same five: the ONNX deploy form computes what the eager model does
        List<String> labels = printed.lines()
                .filter(l -> l.matches(" +[01]\\.\\d{4}  .+"))
                .map(l -> l.strip().split(" {2}", 2)[1])
                .toList();
        assertThat(labels).hasSize(10);
        assertThat(labels.subList(5, 10)).isEqualTo(labels.subList(0, 5));
    }
}
