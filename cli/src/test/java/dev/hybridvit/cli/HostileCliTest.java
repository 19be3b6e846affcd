package dev.hybridvit.cli;

import static dev.hybridvit.cli.CliTest.cli;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.VisionModel;
import dev.hybridvit.weights.Checkpoint;
import dev.hybridvit.weights.Npy;
import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
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
    void validateSkipsABombAndAnUndecodableImageAndEndsWithASummary() throws Exception {
        Path root = tmp.resolve("folder");
        for (String c : List.of("a", "b")) {
            Files.createDirectories(root.resolve(c));
            for (int i = 0; i < 3; i++) {
                BufferedImage img = new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB);
                img.setRGB(i, i, 0xffffff);
                ImageIO.write(img, "png", root.resolve(c + "/" + i + ".png").toFile());
            }
        }
        // a PNG header declaring 46,000 × 46,000 pixels (nothing after it is ever decoded)
        byte[] ihdr = {
            (byte) 0x89,
            'P',
            'N',
            'G',
            '\r',
            '\n',
            0x1a,
            '\n',
            0,
            0,
            0,
            13,
            'I',
            'H',
            'D',
            'R',
            0,
            0,
            (byte) 0xb3,
            (byte) 0xb0,
            0,
            0,
            (byte) 0xb3,
            (byte) 0xb0,
            8,
            2,
            0,
            0,
            0,
            0,
            0,
            0,
            0
        };
        Files.write(root.resolve("a/bomb.png"), ihdr);
        Files.writeString(root.resolve("b/broken.jpg"), "not a JPEG");
        Path weights = tmp.resolve("w.safetensors");
        try (VisionModel model = ModelRegistry.get("nextvit_pico_hv")
                .create(ModelOptions.defaults().withNumClasses(2), 0)) {
            Checkpoint.save(weights, model, List.of("a", "b"), 0, null, null, null);
        }
        CliTest.Result r = cli("validate", "--weights", weights.toString(), "--dataset", root.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("top-1");
        assertThat(r.err()).contains("skipped 2 unreadable images");
        assertThat(r.err()).contains("bomb.png: not a readable image (46000×46000 = 2116000000 pixels");
        assertThat(r.err()).contains("broken.jpg");
    }

    @Test
    void exhaustedHeapOrStackIsBadInputButOtherFailuresAreInternal() {
        RuntimeException fromLoader = new RuntimeException(
                new java.util.concurrent.ExecutionException(new OutOfMemoryError("Java heap space")));
        assertThat(UserErrors.isUserError(fromLoader)).isTrue();
        assertThat(UserErrors.describe(fromLoader)).startsWith("out of memory (Java heap space)");
        assertThat(UserErrors.isUserError(new StackOverflowError())).isTrue();
        IllegalStateException bug = new IllegalStateException("unexpected\u001b[2K state");
        assertThat(UserErrors.isUserError(bug)).isFalse();
        assertThat(UserErrors.describe(bug))
                .isEqualTo("internal error: java.lang.IllegalStateException: unexpected\\e[2K state");
    }

    @Test
    void pixelLimitFlagIsAcceptedByEveryCommandAndValidated() {
        CliTest.Result r = cli("predict", "nextvit_small", "--max-image-pixels", "0", "--weights", "w.pth", "x.png");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--max-image-pixels must be positive");
    }
}
