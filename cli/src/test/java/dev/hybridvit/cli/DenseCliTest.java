package dev.hybridvit.cli;

import static dev.hybridvit.cli.CliTest.cli;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.VisionModel;
import dev.hybridvit.tensor.Tensors;
import dev.hybridvit.weights.Npy;
import dev.hybridvit.weights.Npz;
import dev.hybridvit.weights.WeightsExport;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dense-prediction CLI: {@code run --features}, {@code run fpn_…}, {@code info fpn_…}, their errors. */
class DenseCliTest {
    static final int SIZE = 64;

    @TempDir
    Path tmp;

    /** A classification checkpoint loads into the headless backbone; eager and ORT write the stages asked for. */
    @Test
    void runFeaturesWritesTheStagesOfAClassificationCheckpoint() throws IOException {
        String name = "nextvit_pico_hv";
        Path weights = tmp.resolve("w.safetensors"), input = tmp.resolve("x.npy");
        List<NDArray> expected;
        try (VisionModel model =
                ModelRegistry.get(name).create(ModelOptions.defaults().withImageSize(SIZE), 7)) {
            WeightsExport.write(model, weights);
            NDArray x = model.manager().randomNormal(new Shape(2, 3, SIZE, SIZE));
            Npy.write(input, new long[] {2, 3, SIZE, SIZE}, x.toFloatArray());
            expected = model.forwardStages(x);
            for (String runtime : new String[] {"torch", "onnx"}) {
                Path out = tmp.resolve(runtime + ".npz");
                CliTest.Result r = cli(
                        "run",
                        name,
                        "--weights",
                        weights.toString(),
                        "--input",
                        input.toString(),
                        "--features",
                        out.toString(),
                        "--out-indices",
                        "1,3",
                        "--runtime",
                        runtime);
                assertThat(r.code()).as(r.err()).isZero();
                assertThat(r.err()).contains("ignored the classifier's");
                try (NDManager m = model.manager().newSubManager()) {
                    Map<String, NDArray> got = Npz.read(out, m);
                    assertThat(got.keySet()).containsExactly("stage1", "stage3");
                    for (int i : new int[] {1, 3}) {
                        float[] want = Tensors.toFloats(expected.get(i));
                        assertThat(got.get("stage" + i).getShape())
                                .isEqualTo(expected.get(i).getShape());
                        assertThat(Tensors.maxAbsDiff(Tensors.toFloats(got.get("stage" + i)), want)
                                        / Math.max(1, Tensors.maxAbs(want)))
                                .as("%s stage %d", runtime, i)
                                .isLessThanOrEqualTo(1e-4);
                    }
                }
            }
        }
        CliTest.Result bad = cli(
                "run",
                "cmt_ti",
                "--weights",
                weights.toString(),
                "--input",
                input.toString(),
                "--features",
                tmp.resolve("f.npz").toString(),
                "--extra-norms");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("--extra-norms").doesNotContain("Exception");
        CliTest.Result badIndex = cli(
                "run",
                name,
                "--weights",
                weights.toString(),
                "--input",
                input.toString(),
                "--features",
                tmp.resolve("f.npz").toString(),
                "--out-indices",
                "3,1");
        assertThat(badIndex.code()).isEqualTo(2);
        assertThat(badIndex.err()).contains("out-indices [3, 1]");
    }

    /** {@code run fpn_…} writes N×K×H×W logits, the same in libtorch and ONNX Runtime. */
    @Test
    void runSegmentationModelWritesLogitMaps() throws IOException {
        String name = "fpn_nextvit_pico_hv";
        Path weights = tmp.resolve("fpn.safetensors"), input = tmp.resolve("x.npy");
        try (VisionModel model = ModelRegistry.get(name)
                .create(ModelOptions.defaults().withImageSize(SIZE).withNumClasses(5), 3)) {
            WeightsExport.write(model, weights);
            Npy.write(
                    input,
                    new long[] {1, 3, SIZE, SIZE},
                    model.manager().randomNormal(new Shape(1, 3, SIZE, SIZE)).toFloatArray());
        }
        float[][] outputs = new float[2][];
        String[] runtimes = {"torch", "onnx"};
        for (int k = 0; k < 2; k++) {
            Path out = tmp.resolve(runtimes[k] + ".npy");
            CliTest.Result r = cli(
                    "run",
                    name,
                    "--weights",
                    weights.toString(),
                    "--input",
                    input.toString(),
                    "--num-classes",
                    "5",
                    "--output",
                    out.toString(),
                    "--runtime",
                    runtimes[k]);
            assertThat(r.code()).as(r.err()).isZero();
            Npy.Array y = Npy.read(out);
            assertThat(y.shape()).containsExactly(1, 5, SIZE, SIZE);
            outputs[k] = y.data();
        }
        assertThat(Tensors.maxAbsDiff(outputs[1], outputs[0]) / Math.max(1, Tensors.maxAbs(outputs[0])))
                .isLessThanOrEqualTo(1e-4);
    }

    @Test
    void infoOfASegmentationModelCountsMmsegsParameters() throws IOException {
        CliTest.Result r = cli("info", "fpn_nextvit_small", "--img-size", "64", "--json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.get("params").asLong()).isEqualTo(35_229_974L);
        assertThat(j.get("macs").asLong()).isPositive();
    }

    /** A {@code width}×64 test image, and fpn_trtvit_pico_hv (4 classes, 64 px) as checkpoint and ONNX export. */
    private Path[] segmentationFixture(int width) throws IOException {
        Path weights = tmp.resolve("seg.safetensors"), image = tmp.resolve("scene.png"), onnx = tmp.resolve("seg.onnx");
        java.awt.image.BufferedImage img =
                new java.awt.image.BufferedImage(width, 64, java.awt.image.BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 64; y++)
            for (int x = 0; x < width; x++) img.setRGB(x, y, (x * 3 % 256) << 16 | (y * 4) << 8 | 90);
        javax.imageio.ImageIO.write(img, "png", image.toFile());
        try (VisionModel model = ModelRegistry.get("fpn_trtvit_pico_hv")
                .create(ModelOptions.defaults().withNumClasses(4), 2)) {
            WeightsExport.write(model, weights);
            dev.hybridvit.export.Exporter.export(model, onnx, dev.hybridvit.export.ExportOptions.defaults());
        }
        return new Path[] {image, weights, onnx};
    }

    /** {@code segment} writes a palette mask with the arg-max classes and an overlay, eager and from an export. */
    @Test
    void segmentWritesMaskAndOverlay() throws IOException {
        String name = "fpn_trtvit_pico_hv";
        Path[] f = segmentationFixture(80);
        Path image = f[0], weights = f[1];
        for (String w : new String[] {weights.toString(), f[2].toString()}) {
            Path out = tmp.resolve("out" + w.length());
            CliTest.Result r = cli(
                    "segment", name, image.toString(), "--weights", w, "--num-classes", "4", "--out", out.toString());
            assertThat(r.code()).as(r.err()).isZero();
            java.awt.image.BufferedImage mask =
                    javax.imageio.ImageIO.read(out.resolve("scene_mask.png").toFile());
            assertThat(mask.getWidth()).isEqualTo(64);
            assertThat(mask.getColorModel()).isInstanceOf(java.awt.image.IndexColorModel.class);
            for (int y = 0; y < 64; y += 9)
                for (int x = 0; x < 64; x += 9)
                    assertThat(mask.getRaster().getSample(x, y, 0)).isBetween(0, 3);
            assertThat(out.resolve("scene_overlay.png")).exists();
        }
        CliTest.Result bad =
                cli("segment", "cmt_ti", image.toString(), "--weights", weights.toString(), "--out", tmp.toString());
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("not a segmentation model");
    }

    /**
     * {@code segment --mode slide} covers the whole 128×64 image with 64-px windows (stride 32):
     * the mask has the image's size, and libtorch and the fixed-size export agree; a window the
     * export does not take is refused.
     */
    @Test
    void segmentSlidesWindowsInBothRuntimes() throws IOException {
        Path[] f = segmentationFixture(128);
        int[][] labels = new int[2][];
        for (int k = 0; k < 2; k++) {
            Path out = tmp.resolve("slide" + k);
            CliTest.Result r = cli(
                    "segment",
                    "fpn_trtvit_pico_hv",
                    f[0].toString(),
                    "--weights",
                    f[k + 1].toString(),
                    "--num-classes",
                    "4",
                    "--out",
                    out.toString(),
                    "--mode",
                    "slide",
                    "--stride",
                    "32");
            assertThat(r.code()).as(r.err()).isZero();
            java.awt.image.BufferedImage mask =
                    javax.imageio.ImageIO.read(out.resolve("scene_mask.png").toFile());
            assertThat(new int[] {mask.getWidth(), mask.getHeight()}).containsExactly(128, 64);
            labels[k] = mask.getRaster().getSamples(0, 0, 128, 64, 0, (int[]) null);
        }
        int same = 0;
        for (int p = 0; p < labels[0].length; p++) if (labels[0][p] == labels[1][p]) same++;
        assertThat(same)
                .as("pixels with the same class in libtorch and ORT")
                .isGreaterThanOrEqualTo(labels[0].length * 99 / 100);
        CliTest.Result bad = cli(
                "segment",
                "fpn_trtvit_pico_hv",
                f[0].toString(),
                "--weights",
                f[2].toString(),
                "--num-classes",
                "4",
                "--out",
                tmp.toString(),
                "--mode",
                "slide",
                "--crop-size",
                "96");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("--crop-size 96").contains("64×64 windows");
    }
}
