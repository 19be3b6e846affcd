package dev.hybridvit.cli;

import static dev.hybridvit.cli.CliTest.cli;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hybridvit.weights.Npy;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hostile input through the CLI: one escaped error line naming the file, exit 2, never a stack trace. */
class HostileCliTest {
    @TempDir
    Path tmp;

    @Test
    void tenByteFileDeclaringATwoGigabyteHeaderIsOneErrorLine() throws Exception {
        Path f = tmp.resolve("tiny\u001b[2K.safetensors");
        Files.write(
                f,
                ByteBuffer.allocate(10)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .putLong(Integer.MAX_VALUE)
                        .array());
        Path img = tmp.resolve("x.png");
        Files.write(img, new byte[] {1, 2, 3});
        CliTest.Result r = cli("predict", "nextvit_small", "--weights", f.toString(), img.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().lines().filter(l -> l.startsWith("error: "))).hasSize(1);
        assertThat(r.err()).contains("tiny\\e[2K.safetensors: not a weights file");
        assertThat(r.err()).doesNotContain("\u001b").doesNotContain("\tat ");
    }

    @Test
    void nonFiniteInputIsRefusedInTheLibtorchRuntimeAsInOnnxRuntime() throws Exception {
        Path x = tmp.resolve("nan.npy");
        float[] data = new float[3 * 32 * 32];
        data[5] = Float.NaN;
        Npy.write(x, new long[] {1, 3, 32, 32}, data);
        CliTest.Result r = cli(
                "run",
                "nextvit_small",
                "--weights",
                tmp.resolve("unused.pth").toString(),
                "--input",
                x.toString(),
                "--output",
                tmp.resolve("y.npy").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("nan.npy contains NaN at [0, 0, 0, 5]");
        assertThat(tmp.resolve("y.npy")).doesNotExist();
    }

    @Test
    void pixelLimitFlagIsAcceptedByEveryCommandAndValidated() {
        CliTest.Result r = cli("predict", "nextvit_small", "--max-image-pixels", "0", "--weights", "w.pth", "x.png");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--max-image-pixels must be positive");
    }
}
