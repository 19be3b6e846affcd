package dev.hybridvit.cli;

import static dev.hybridvit.cli.CliTest.cli;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hybridvit.data.DataSources;
import dev.hybridvit.weights.Checkpoint;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The training recipe through the CLI: augmentation flags with resume, curves and confusion charts, benchmark --train. */
class TrainRecipeCliTest {
    @TempDir
    Path tmp;

    /** A short run with every augmentation on (mixup and cutmix in epoch 1 only), plus {@code extra}. */
    private static String[] train(String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of(
                "train",
                "--model",
                "nextvit_pico_hv",
                "--dataset",
                "fashion-mnist",
                "--train-subset",
                "256",
                "--val-subset",
                "64",
                "-b",
                "32",
                "--epochs",
                "2",
                "--warmup-epochs",
                "0.5",
                "--workers",
                "2",
                "--seed",
                "7",
                "--model-ema-decay",
                "0.9",
                "--drop-path",
                "0.1",
                "--aa",
                "rand-m9-mstd0.5",
                "--reprob",
                "0.25",
                "--mixup",
                "0.8",
                "--cutmix",
                "1.0",
                "--mixup-off-epoch",
                "2",
                "--scale",
                "0.5",
                "1.0"));
        args.addAll(List.of(extra));
        return args.toArray(String[]::new);
    }

    @Test
    void resumeWithAugmentationRepeatsTheUninterruptedRunThenValidateDrawsTheConfusion() throws Exception {
        DataSources.fashionMnistDir();
        Path a = tmp.resolve("a"), b = tmp.resolve("b");
        CliTest.Result full = cli(train("--output", a.toString()));
        assertThat(full.code()).as(full.err()).isZero();
        assertThat(full.out()).contains("curves.png");
        assertThat(ImageIO.read(a.resolve("curves.png").toFile())).isNotNull();
        assertThat(cli(train("--output", b.toString(), "--stop-after-epoch", "1"))
                        .code())
                .isZero();
        CliTest.Result resumed = cli(train(
                "--output",
                b.toString(),
                "--resume",
                b.resolve("last.safetensors").toString()));
        assertThat(resumed.code()).as(resumed.err()).isZero();
        assertThat(resumed.out()).contains("resumed from").contains("epoch 2:");

        // every figure of epoch 2 — the training loss over its steps, validation loss and accuracy — is repeated
        ObjectMapper json = new ObjectMapper();
        JsonNode ha = json.readTree(a.resolve("metrics.json").toFile()).path("history");
        JsonNode hb = json.readTree(b.resolve("metrics.json").toFile()).path("history");
        assertThat(hb).hasSize(2);
        for (String k : List.of("train_loss", "train_accuracy", "val_loss", "val_top1", "val_top1_ema")) {
            assertThat(hb.get(1).path(k).asDouble())
                    .as(k)
                    .isCloseTo(ha.get(1).path(k).asDouble(), within(1e-6));
        }
        Map<?, ?> recorded = (Map<?, ?>) Checkpoint.info(b.resolve("last.safetensors"))
                .orElseThrow()
                .extra()
                .get("augmentation");
        assertThat(recorded.get("aa")).isEqualTo("rand-m9-mstd0.5");
        assertThat(recorded.get("scale")).isEqualTo(List.of(0.5, 1.0));

        Path png = tmp.resolve("charts/confusion.png");
        CliTest.Result v = cli(
                "validate",
                "--weights",
                a.resolve("best.safetensors").toString(),
                "--dataset",
                "fashion-mnist",
                "--val-subset",
                "100",
                "--confusion",
                "--confusion-png",
                png.toString());
        assertThat(v.code()).as(v.err()).isZero();
        assertThat(v.out()).contains("Ankle boot", "wrote " + png);
        assertThat(ImageIO.read(png.toFile()).getWidth()).isGreaterThanOrEqualTo(600);
    }

    @Test
    void badAugmentationFlagsAreUsageErrors() {
        CliTest.Result r = cli("train", "--model", "nextvit_pico_hv", "--dataset", "fashion-mnist", "--aa", "v0");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("only RandAugment");
        assertThat(cli("train", "--model", "nextvit_pico_hv", "--dataset", "fashion-mnist", "--reprob", "2")
                        .err())
                .contains("--reprob");
        assertThat(cli("train", "--model", "nextvit_pico_hv", "--dataset", "fashion-mnist", "--scale", "0.5", "2")
                        .err())
                .contains("--scale");
    }

    @Test
    void benchmarkTrainPrintsImagesPerSecondAndRss() {
        CliTest.Result r = cli(
                "benchmark",
                "--train",
                "nextvit_pico_hv",
                "--img-size",
                "32",
                "--batch",
                "4",
                "--steps",
                "3",
                "--warmup",
                "1");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out())
                .containsPattern(
                        "nextvit_pico_hv +train b4 +32px .* img/s +RSS \\d+ MB at step 3, \\d+ MB at step 3, \\d+ MB at step 3 ");
    }

    @Test
    void resumeHintRepeatsTheCommandWithTheCheckpoint() {
        String cmd = TrainCommand.resumeCommand(
                List.of("train", "--model", "m", "--resume", "old.safetensors", "--output", "my runs"),
                Path.of("my runs/last.safetensors"));
        assertThat(cmd).isEqualTo("train --model m --output 'my runs' --resume 'my runs/last.safetensors'");
    }
}
