package dev.hybridvit.cli;

import static dev.hybridvit.cli.CliTest.cli;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.VisionModel;
import dev.hybridvit.weights.SafeTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code export --precision int8|fp16}: the exported file validates like any weights file; bad calibration input leaves nothing behind. */
class QuantizeCliTest {
    @TempDir
    Path tmp;

    @Test
    void int8ExportValidatesAndRecordsItsCalibration() throws IOException {
        Path weights = weights(), int8 = tmp.resolve("m.int8.onnx");
        CliTest.Result r = cli(export(
                weights,
                int8,
                "--deploy",
                "--precision",
                "int8",
                "--calibration",
                "fashion-mnist",
                "--calibration-images",
                "16",
                "--calibration-method",
                "minmax"));
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("int8", "calibrating: 16/16");
        String meta = Files.readString(int8, java.nio.charset.StandardCharsets.ISO_8859_1);
        assertThat(meta).contains("precision", "calibration_method", "minmax", "calibration_images", "fashion-mnist");
        CliTest.Result v =
                cli("validate", "--weights", int8.toString(), "--dataset", "fashion-mnist", "--val-subset", "50");
        assertThat(v.code()).as(v.err()).isZero();
        assertThat(v.out()).contains("trtvit_pico_hv on fashion-mnist (50 images at 32 px): top-1");

        Path fp16 = tmp.resolve("m.fp16.onnx");
        CliTest.Result h = cli(export(weights, fp16, "--precision", "fp16"));
        assertThat(h.code()).as(h.err()).isZero();
        assertThat(Files.size(fp16)).isLessThan(Files.size(weights) * 6 / 10);
    }

    @Test
    void badCalibrationInputIsAOneLineErrorAndLeavesNoFile() throws IOException {
        Path weights = weights(), out = tmp.resolve("out/m.int8.onnx");
        Path empty = Files.createDirectories(tmp.resolve("empty")), junk = Files.createDirectories(tmp.resolve("junk"));
        Files.writeString(junk.resolve("a.png"), "not a png");
        String[] base = export(weights, out, "--precision", "int8", "--calibration");
        assertError(cli(concat(base, empty.toString())), "no readable image");
        assertError(cli(concat(base, junk.toString())), "no readable image", "1 unreadable");
        assertError(
                cli(concat(base, "fashion-mnist", "--calibration-images", "70000")),
                "--calibration-images asks for 70000");
        assertError(cli(concat(base, "fashion-mnist", "--calibration-method", "mse")), "minmax, percentile or entropy");
        assertError(
                cli(
                        "export",
                        "trtvit_pico_hv",
                        "--weights",
                        weights.toString(),
                        "--onnx",
                        out.toString(),
                        "--precision",
                        "int8"),
                "--calibration");
        if (Files.isDirectory(out.getParent())) {
            try (Stream<Path> s = Files.list(out.getParent())) {
                assertThat(s.toList()).isEmpty();
            }
        }
    }

    /** {@code export trtvit_pico_hv} of the 10-class 32-px weights to {@code out}, then {@code extra}. */
    private static String[] export(Path weights, Path out, String... extra) {
        return concat(
                new String[] {
                    "export",
                    "trtvit_pico_hv",
                    "--weights",
                    weights.toString(),
                    "--num-classes",
                    "10",
                    "--img-size",
                    "32",
                    "--onnx",
                    out.toString()
                },
                extra);
    }

    private Path weights() throws IOException {
        Path w = tmp.resolve("w.safetensors");
        try (VisionModel model = ModelRegistry.get("trtvit_pico_hv")
                .create(ModelOptions.defaults().withNumClasses(10).withImageSize(32), 5)) {
            SafeTensors.write(w, model.stateDict(), Map.of());
        }
        return w;
    }

    private static void assertError(CliTest.Result r, String... fragments) {
        assertThat(r.code()).as("exit code; stderr: %s", r.err()).isEqualTo(2);
        assertThat(r.err()).startsWith("error: ").contains(fragments).doesNotContain("\tat ");
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
