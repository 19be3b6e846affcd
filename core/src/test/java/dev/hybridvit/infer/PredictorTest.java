package dev.hybridvit.infer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hybridvit.data.ImageFiles;
import dev.hybridvit.data.ImageNetClasses;
import dev.hybridvit.data.TestImages;
import dev.hybridvit.export.ExportOptions;
import dev.hybridvit.export.Exporter;
import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.VisionModel;
import dev.hybridvit.weights.Checkpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Predictor}: eager libtorch, ONNX Runtime on the deploy export, and an exported .onnx file agree. */
class PredictorTest {
    static final String MODEL = "cmt_nano_hv";

    @TempDir
    static Path tmp;

    static Path weights, onnx;
    static List<Path> images;

    @BeforeAll
    static void setUp() throws IOException {
        images = List.of(
                TestImages.png(tmp.resolve("a.png"), 160, 120, 1),
                TestImages.png(tmp.resolve("b.png"), 90, 200, 2),
                TestImages.cmykJpeg(tmp.resolve("c.jpg"), 150, 150));
        weights = tmp.resolve("w.safetensors");
        onnx = tmp.resolve("exported.onnx");
        try (VisionModel m = ModelRegistry.get(MODEL).create(ModelOptions.defaults(), 7)) {
            Checkpoint.save(weights, m);
            Exporter.export(m, onnx, ExportOptions.defaults().withDeploy(true).withDynamicBatch());
        }
    }

    private static void assertSame(List<List<Predictor.Prediction>> a, List<List<Predictor.Prediction>> b) {
        assertThat(b).hasSameSizeAs(a);
        for (int i = 0; i < a.size(); i++) {
            assertThat(b.get(i).get(0).index())
                    .as("top-1 of image %d", i)
                    .isEqualTo(a.get(i).get(0).index());
            for (int k = 0; k < a.get(i).size(); k++) {
                assertThat(b.get(i).get(k).probability())
                        .isCloseTo(a.get(i).get(k).probability(), org.assertj.core.data.Offset.offset(1e-4));
            }
        }
    }

    @Test
    void torchOnnxAndExportedFileAgree() throws IOException {
        List<List<Predictor.Prediction>> torch, ort, file;
        try (Predictor p = Predictor.open(MODEL, weights, null, 0, Predictor.Runtime.TORCH)) {
            torch = p.predict(images, 5);
            assertThat(p.classNames()).isEqualTo(ImageNetClasses.names());
        }
        try (Predictor p = Predictor.open(MODEL, weights, null, 0, Predictor.Runtime.ONNX)) {
            assertThat(p.runtime()).isEqualTo(Predictor.Runtime.ONNX);
            ort = p.predict(images, 5);
        }
        try (Predictor p = Predictor.open(null, onnx, null, 0, null)) {
            assertThat(p.modelName()).isEqualTo(MODEL);
            assertThat(p.preprocessing().size()).isEqualTo(128);
            assertThat(p.preprocessing().cropPct())
                    .isEqualTo(ModelRegistry.get(MODEL).cropPct());
            assertThat(p.classNames()).isEqualTo(ImageNetClasses.names());
            file = p.predict(images, 5);
        }
        assertSame(torch, ort);
        assertSame(torch, file);
        Predictor.Prediction top = torch.get(0).get(0);
        assertThat(top.label()).isEqualTo(ImageNetClasses.names().get(top.index()));
    }

    @Test
    void nonImagesAndMismatchesGetClearErrors() throws IOException {
        Path text = Files.writeString(tmp.resolve("notes.jpg"), "not an image");
        try (Predictor p = Predictor.open(null, onnx, null, 0, null)) {
            assertThatThrownBy(() -> p.predict(List.of(images.get(0), text), 1))
                    .isInstanceOf(ImageFiles.UnreadableImageException.class)
                    .hasMessageContaining("notes.jpg: not a readable image");
        }
        assertThatThrownBy(() -> Predictor.open(MODEL, onnx, null, 0, Predictor.Runtime.TORCH))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--runtime onnx");
        assertThatThrownBy(() -> Predictor.open("cmt_ti", onnx, null, 0, null)).hasMessageContaining("not cmt_ti");
        assertThatThrownBy(() -> Predictor.Runtime.parse("tf")).hasMessageContaining("torch or onnx");
    }
}
