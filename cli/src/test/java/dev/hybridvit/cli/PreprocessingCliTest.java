package dev.hybridvit.cli;

import static dev.hybridvit.cli.CliTest.cli;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.VisionModel;
import dev.hybridvit.weights.Checkpoint;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** timm's preprocessing and results flags on {@code validate} and {@code predict}. */
class PreprocessingCliTest {
    private static final String MODEL = "nextvit_pico_hv";

    @TempDir
    Path tmp;

    Path root, data, weights;

    /**
     * Two classes, one image of "a" and three of "b", in {@code images/val} and again in
     * {@code images/train}; a checkpoint whose EMA always answers "b".
     */
    @BeforeEach
    void folderAndCheckpoint() throws Exception {
        root = tmp.resolve("images");
        data = root.resolve("val");
        int n = 0;
        for (String c : List.of("a", "b", "b", "b")) {
            BufferedImage img = new BufferedImage(40 + 7 * n, 30 + 3 * n, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < img.getHeight(); y++)
                for (int x = 0; x < img.getWidth(); x++) img.setRGB(x, y, (x * 37 + y * 11 + n * 50) * 0x010203);
            String name = "img" + n++ + ".png";
            for (Path split : List.of(data, root.resolve("train"))) {
                Files.createDirectories(split.resolve(c));
                ImageIO.write(img, "png", split.resolve(c).resolve(name).toFile());
            }
        }
        weights = tmp.resolve("w.safetensors");
        try (VisionModel model =
                        ModelRegistry.get(MODEL).create(ModelOptions.defaults().withNumClasses(2), 5);
                NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> ema = new LinkedHashMap<>();
            model.stateDict().forEach((k, v) -> {
                NDArray copy = v.duplicate();
                if (k.startsWith("proj_head"))
                    copy = k.endsWith("bias") ? m.create(new float[] {0, 10}) : copy.zerosLike();
                ema.put(k, copy);
            });
            Checkpoint.save(weights, model, List.of("a", "b"), 0, null, ema, null);
        }
    }

    @Test
    void validateTakesTimmsPreprocessingFlagsAndWritesResultsFiles() throws Exception {
        Path csv = tmp.resolve("results.csv"), json = tmp.resolve("results.json");
        CliTest.Result r = cli(
                "validate",
                "--weights",
                weights.toString(),
                "--dataset",
                root.toString(),
                "--img-size",
                "64",
                "--crop-pct",
                "0.9",
                "--interpolation",
                "bilinear",
                "--mean",
                "0.5",
                "--std",
                "0.2",
                "0.25",
                "0.3",
                "--use-ema",
                "--results-file",
                csv.toString());
        assertThat(r.code()).as(r.err()).isZero();
        List<String> lines = Files.readAllLines(csv);
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).startsWith("model,dataset,images,top1,top5,img_size,crop_pct,interpolation,mean,std");
        assertThat(lines.get(1)).contains(",0.9,bilinear,0.5 0.5 0.5,0.2 0.25 0.3,true,");
        // the EMA weights answer "b" for every image: 3 of 4 right; the raw weights need not
        assertThat(lines.get(1)).startsWith(MODEL + "," + root + ",4,0.75,");

        assertThat(cli(
                                "validate",
                                "--weights",
                                weights.toString(),
                                "--dataset",
                                root.toString(),
                                "--img-size",
                                "64",
                                "--results-file",
                                json.toString())
                        .code())
                .isZero();
        JsonNode row = new ObjectMapper().readTree(json.toFile());
        assertThat(row.path("crop_pct").asDouble())
                .isEqualTo(ModelRegistry.get(MODEL).cropPct());
        assertThat(row.path("interpolation").asText()).isEqualTo("bicubic");
        assertThat(row.path("use_ema").asBoolean()).isFalse();
    }

    @Test
    void badPreprocessingFlagsAreOneLineErrors() {
        CliTest.Result interp = cli(
                "validate",
                "--weights",
                weights.toString(),
                "--dataset",
                root.toString(),
                "--interpolation",
                "lanczos");
        assertThat(interp.code()).isEqualTo(2);
        assertThat(interp.err()).contains("lanczos").contains("bicubic").doesNotContain("\tat ");
        CliTest.Result ext = cli(
                "validate",
                "--weights",
                weights.toString(),
                "--dataset",
                root.toString(),
                "--results-file",
                tmp.resolve("r.txt").toString());
        assertThat(ext.code()).isEqualTo(2);
        assertThat(ext.err()).contains("r.txt").contains(".csv or .json");
        CliTest.Result std =
                cli("validate", "--weights", weights.toString(), "--dataset", root.toString(), "--std", "0.2", "0");
        assertThat(std.code()).isEqualTo(2);
        assertThat(std.err()).contains("--std");
    }

    @Test
    void predictTakesADirectoryAndWritesResultsFiles() throws Exception {
        Path csv = tmp.resolve("p.csv"), json = tmp.resolve("p.json");
        CliTest.Result r = cli(
                "predict",
                MODEL,
                "--weights",
                weights.toString(),
                data.toString(),
                "--topk",
                "2",
                "--results-file",
                csv.toString());
        assertThat(r.code()).as(r.err()).isZero();
        List<String> lines = Files.readAllLines(csv);
        assertThat(lines.get(0)).isEqualTo("image,rank,index,label,probability");
        assertThat(lines).hasSize(1 + 4 * 2);
        assertThat(lines.get(1)).startsWith(data.resolve("a").resolve("img0.png") + ",1,");
        assertThat(lines.get(8)).startsWith(data.resolve("b").resolve("img3.png") + ",2,");

        assertThat(cli(
                                "predict",
                                MODEL,
                                "--weights",
                                weights.toString(),
                                data.resolve("b").toString(),
                                "--results-file",
                                json.toString())
                        .code())
                .isZero();
        JsonNode rows = new ObjectMapper().readTree(json.toFile());
        assertThat(rows).hasSize(3);
        assertThat(rows.get(0).path("top")).hasSize(2);

        CliTest.Result empty = cli(
                "predict",
                MODEL,
                "--weights",
                weights.toString(),
                tmp.resolve("none").toString());
        assertThat(empty.code()).isEqualTo(2);
    }
}
