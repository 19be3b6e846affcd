package dev.hybridvit.cli;

import static dev.hybridvit.cli.CliTest.cli;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hybridvit.data.DataSources;
import dev.hybridvit.data.FashionMnist;
import dev.hybridvit.data.ImageFiles;
import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.VisionModel;
import dev.hybridvit.weights.Checkpoint;
import dev.hybridvit.weights.SafeTensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train / validate / predict through the CLI on real Fashion-MNIST images. */
class TrainCliTest {
    @TempDir
    Path tmp;

    @Test
    void twoEpochsOnASubsetLearnThenValidateAndPredict() throws Exception {
        Path out = tmp.resolve("run");
        CliTest.Result r = cli(
                "train",
                "--model",
                "nextvit_pico_hv",
                "--dataset",
                "fashion-mnist",
                "--train-subset",
                "1536",
                "--val-subset",
                "500",
                "-b",
                "32",
                "--epochs",
                "2",
                "--warmup-epochs",
                "0.2",
                "--workers",
                "2",
                "--seed",
                "3",
                "--output",
                out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("epoch 2:", "best val top-1");
        JsonNode metrics =
                new ObjectMapper().readTree(out.resolve("metrics.json").toFile());
        assertThat(metrics.path("model").asText()).isEqualTo("nextvit_pico_hv");
        assertThat(metrics.path("history")).hasSize(2);
        double top1 = metrics.path("history").get(1).path("val_top1").asDouble();
        assertThat(top1)
                .as("val top-1 after two epochs on 1,536 images (chance: 0.10)")
                .isGreaterThan(0.4);
        assertThat(Files.readAllLines(out.resolve("metrics.csv"))).hasSize(3);
        Path best = out.resolve("best.safetensors");
        assertThat(best).exists();
        assertThat(out.resolve("last.safetensors")).exists();
        assertThat(Checkpoint.info(best).orElseThrow().classNames()).isEqualTo(FashionMnist.CLASSES);

        CliTest.Result v = cli(
                "validate",
                "--weights",
                best.toString(),
                "--dataset",
                "fashion-mnist",
                "--val-subset",
                "500",
                "--json");
        assertThat(v.code()).as(v.err()).isZero();
        assertThat(new ObjectMapper().readTree(v.out()).path("top1").asDouble()).isGreaterThan(0.4);

        FashionMnist test = FashionMnist.load(DataSources.fashionMnistDir(), "t10k");
        float[] px = new float[28 * 28];
        int label = test.read(1, px);
        Path png = tmp.resolve("sample.png");
        ImageFiles.writeGreyPng(px, 28, 28, png);
        CliTest.Result p = cli(
                "predict", "nextvit_pico_hv", "--weights", best.toString(), png.toString(), "--topk", "3", "--json");
        assertThat(p.code()).as(p.err()).isZero();
        JsonNode top = new ObjectMapper().readTree(p.out()).get(0).path("top");
        assertThat(top).hasSize(3);
        assertThat(FashionMnist.CLASSES).contains(top.get(0).path("label").asText());
        CliTest.Result plain = cli("predict", "nextvit_pico_hv", "--weights", best.toString(), png.toString());
        assertThat(plain.out()).contains("sample.png", "%");
    }

    @Test
    void demoOnASubsetWritesTheWholeReport() throws Exception {
        Path out = tmp.resolve("demo");
        CliTest.Result r = cli(
                "demo",
                "--epochs",
                "2",
                "--train-subset",
                "1536",
                "--val-subset",
                "128",
                "-b",
                "32",
                "--out",
                out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        List<String> lines = r.out().lines().filter(l -> !l.isBlank()).toList();
        assertThat(lines.get(lines.size() - 2)).startsWith("test accuracy: ");
        assertThat(lines.get(lines.size() - 1)).startsWith("wall time: ");
        JsonNode m = new ObjectMapper().readTree(out.resolve("metrics.json").toFile());
        assertThat(m.path("model").asText()).isEqualTo(dev.hybridvit.apps.train.FashionMnistDemo.DEFAULT_MODEL);
        assertThat(m.path("test_images").asLong()).isEqualTo(10_000);
        assertThat(m.path("test_accuracy").asDouble())
                .as("a fraction, well above chance after 2 epochs of 1,536 images")
                .isBetween(0.3, 1.0);
        assertThat(m.path("epochs").asInt()).isEqualTo(2);
        assertThat(m.path("wall_seconds").asDouble()).isPositive();
        JsonNode lat = m.path("latency");
        assertThat(lat.path("libtorch_eager_batch1_ms").asDouble()).isPositive();
        assertThat(lat.path("onnxruntime_batch1_ms").asDouble()).isPositive();
        assertThat(lat.path("onnx_vs_eager_max_abs_logit_diff").asDouble()).isLessThan(1e-3);
        for (String f : List.of("model.onnx", "confusion.png", "curves.png", "best.safetensors", "last.safetensors")) {
            assertThat(out.resolve(f)).as(f).isNotEmptyFile();
        }
        assertThat(m.path("samples")).hasSize(6);
    }

    @Test
    void resumeAfterOneEpochGivesTheWeightsOfAnUninterruptedRun() throws Exception {
        String[] common = {
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
            "0.1"
        };
        Path a = tmp.resolve("a"), b = tmp.resolve("b");
        assertThat(cli(concat(common, "--output", a.toString())).code()).isZero();
        assertThat(cli(concat(common, "--output", b.toString(), "--stop-after-epoch", "1"))
                        .code())
                .isZero();
        assertThat(Checkpoint.info(b.resolve("last.safetensors")).orElseThrow().epoch())
                .isEqualTo(1);
        CliTest.Result resumed = cli(concat(
                common,
                "--output",
                b.toString(),
                "--resume",
                b.resolve("last.safetensors").toString()));
        assertThat(resumed.code()).as(resumed.err()).isZero();
        assertThat(resumed.out()).contains("resumed from").contains("epoch 2:").doesNotContain("epoch 1:");

        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> wa = SafeTensors.read(a.resolve("last.safetensors"), m);
            Map<String, NDArray> wb = SafeTensors.read(b.resolve("last.safetensors"), m);
            assertThat(wb.keySet()).isEqualTo(wa.keySet());
            assertThat(wa.keySet()).anyMatch(k -> k.startsWith("optimizer/")).anyMatch(k -> k.startsWith("ema/"));
            double worst = 0;
            String worstKey = "";
            for (String k : wa.keySet()) {
                double d = wa.get(k)
                        .toType(ai.djl.ndarray.types.DataType.FLOAT64, false)
                        .sub(wb.get(k).toType(ai.djl.ndarray.types.DataType.FLOAT64, false))
                        .abs()
                        .max()
                        .getDouble();
                if (d > worst) {
                    worst = d;
                    worstKey = k;
                }
            }
            assertThat(worst).as("largest difference, at " + worstKey).isLessThanOrEqualTo(1e-6);
        }
        JsonNode metrics = new ObjectMapper().readTree(b.resolve("metrics.json").toFile());
        assertThat(metrics.path("history")).hasSize(2);
    }

    @Test
    void predictRejectsANonImageWithExitCode2() throws Exception {
        Path weights = tmp.resolve("w.safetensors");
        try (VisionModel model = ModelRegistry.get("nextvit_pico_hv")
                .create(ModelOptions.defaults().withNumClasses(10), 0)) {
            Checkpoint.save(weights, model, FashionMnist.CLASSES, 0, null, null, null);
        }
        Path text = tmp.resolve("notes.txt");
        Files.writeString(text, "not an image\n");
        CliTest.Result r = cli("predict", "nextvit_pico_hv", "--weights", weights.toString(), text.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("notes.txt").contains("not a readable image");
        CliTest.Result missing = cli(
                "predict",
                "nextvit_pico_hv",
                "--weights",
                weights.toString(),
                tmp.resolve("nope.png").toString());
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).contains("no such file");
    }

    @Test
    void predictInOnnxRuntimeAndFromAnExportedFileMatchesTorch() throws Exception {
        Path weights = tmp.resolve("w10.safetensors"), onnx = tmp.resolve("pico.onnx"), png = tmp.resolve("grey.png");
        try (VisionModel model = ModelRegistry.get("nextvit_pico_hv")
                .create(ModelOptions.defaults().withNumClasses(10), 3)) {
            Checkpoint.save(weights, model, FashionMnist.CLASSES, 0, null, null, null);
        }
        float[] px = new float[28 * 28];
        for (int i = 0; i < px.length; i++) px[i] = (i % 28) / 27f;
        ImageFiles.writeGreyPng(px, 28, 28, png);
        assertThat(cli(
                                "export",
                                "nextvit_pico_hv",
                                "--weights",
                                weights.toString(),
                                "--onnx",
                                onnx.toString(),
                                "--deploy")
                        .code())
                .isZero();
        ObjectMapper json = new ObjectMapper();
        JsonNode torch = json.readTree(
                cli("predict", "nextvit_pico_hv", "--weights", weights.toString(), png.toString(), "--json")
                        .out());
        for (String[] how : List.of(
                new String[] {"--weights", weights.toString(), "--runtime", "onnx"},
                new String[] {"--weights", onnx.toString()})) {
            CliTest.Result r =
                    cli(concat(concat(new String[] {"predict", "nextvit_pico_hv"}, how), png.toString(), "--json"));
            assertThat(r.code()).as(r.err()).isZero();
            JsonNode top = json.readTree(r.out()).get(0).get("top"),
                    ref = torch.get(0).get("top");
            assertThat(top.get(0).get("label").asText())
                    .isEqualTo(ref.get(0).get("label").asText())
                    .isIn(FashionMnist.CLASSES);
            for (int k = 0; k < ref.size(); k++) {
                assertThat(top.get(k).get("probability").asDouble())
                        .isCloseTo(ref.get(k).get("probability").asDouble(), org.assertj.core.data.Offset.offset(1e-4));
            }
        }
        Path text = Files.writeString(tmp.resolve("notes.png"), "not an image\n");
        CliTest.Result bad = cli("predict", "nextvit_pico_hv", "--weights", onnx.toString(), text.toString());
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).startsWith("error: ").contains("notes.png: not a readable image");
        CliTest.Result wrong =
                cli("predict", "nextvit_pico_hv", "--weights", onnx.toString(), "--runtime", "torch", png.toString());
        assertThat(wrong.code()).isEqualTo(2);
        assertThat(wrong.err()).contains("--runtime onnx");
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
