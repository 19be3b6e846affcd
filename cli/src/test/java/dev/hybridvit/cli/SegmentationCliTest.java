package dev.hybridvit.cli;

import static dev.hybridvit.cli.CliTest.cli;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.VisionModel;
import dev.hybridvit.weights.Checkpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code demo --task segmentation}, {@code train --task segmentation} and segmentation {@code validate}. */
class SegmentationCliTest {
    @TempDir
    Path tmp;

    @Test
    void tinyDemoStartsFromTheClassifierAndWritesItsReport() throws Exception {
        Path init = tmp.resolve("classifier.safetensors"), out = tmp.resolve("demo");
        try (VisionModel m = ModelRegistry.get("trtvit_pico_hv")
                .create(ModelOptions.defaults().withNumClasses(10).withImageSize(32), 1)) {
            Checkpoint.save(init, m);
        }
        CliTest.Result r = cli(
                "demo",
                "--task",
                "segmentation",
                "--iters",
                "2",
                "--scenes",
                "8",
                "--img-size",
                "32",
                "-b",
                "4",
                "--init",
                init.toString(),
                "--out",
                out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("backbone initialised from " + init, "mIoU", "Ankle boot");
        JsonNode m =
                new ObjectMapper().readTree(out.resolve("demo_metrics.json").toFile());
        assertThat(m.path("miou").asDouble()).isBetween(0.0, 1.0);
        assertThat(m.path("class_iou").size()).isEqualTo(11);
        assertThat(Files.size(out.resolve("class_iou.png"))).isPositive();
        assertThat(Files.exists(out.resolve("overlays/scene_00000_pred.png"))).isTrue();

        // validate the demo's model on its scenes, whole and sliding window (one window: the same figures)
        String best = out.resolve("best.safetensors").toString(),
                data = out.resolve("scenes").toString();
        CliTest.Result whole = cli("validate", "--weights", best, "--dataset", data);
        CliTest.Result slide =
                cli("validate", "--weights", best, "--dataset", data, "--mode", "slide", "--crop-size", "32");
        assertThat(whole.code()).as(whole.err()).isZero();
        assertThat(slide.out()).contains("slide (crop 32, stride 21)");
        assertThat(slide.out().lines().skip(1).toList())
                .isEqualTo(whole.out().lines().skip(1).toList());
        CliTest.Result bad = cli("validate", "--weights", best, "--dataset", data, "--mode", "tiles");
        assertThat(bad.code()).isNotZero();
        assertThat(bad.err()).contains("--mode tiles: expected whole or slide").doesNotContain("Exception");
    }

    @Test
    void trainSegmentationNeedsASegmentationModel() {
        CliTest.Result r =
                cli("train", "--task", "segmentation", "--model", "trtvit_pico_hv", "--output", tmp.toString());
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("trains a Semantic FPN (fpn_<backbone>").doesNotContain("Exception");
    }
}
