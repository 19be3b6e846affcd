package dev.hybridvit.infer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.hybridvit.data.ImageFiles;
import dev.hybridvit.data.TestImages;
import dev.hybridvit.export.ExportOptions;
import dev.hybridvit.export.Exporter;
import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.VisionModel;
import dev.hybridvit.tensor.Tensors;
import dev.hybridvit.weights.Checkpoint;
import dev.hybridvit.weights.ReferenceFill;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link ImageClassifier}: every input kind gives the same result, eager libtorch and ONNX Runtime
 * agree on top-k and embeddings, and the ONNX {@code embedding} output equals the eager
 * {@link VisionModel#forwardEmbedding} for the compact model of every family, in the plain and
 * the deploy form.
 */
class ImageClassifierTest {
    static final String MODEL = "trtvit_pico_hv";
    static final int SIZE = 32;

    @TempDir
    static Path tmp;

    static Path weights, image;

    @BeforeAll
    static void setUp() throws IOException {
        image = TestImages.png(tmp.resolve("a.png"), 70, 50, 3);
        weights = tmp.resolve("w.safetensors");
        try (VisionModel m = ModelRegistry.get(MODEL).create(ModelOptions.defaults(), 7)) {
            Checkpoint.save(weights, m);
        }
    }

    /** The compact models ({@code *_hv}), which cover every family. */
    static List<String> compactModels() {
        List<String> names = ModelRegistry.names("*_hv");
        assertThat(names.stream().map(n -> ModelRegistry.get(n).family()).collect(Collectors.toSet()))
                .containsExactlyInAnyOrderElementsOf(
                        ModelRegistry.all().stream().map(s -> s.family()).collect(Collectors.toSet()));
        return names;
    }

    @ParameterizedTest
    @MethodSource("compactModels")
    void onnxEmbeddingOutputEqualsEagerEmbedding(String name) throws IOException {
        for (boolean deploy : new boolean[] {false, true}) {
            try (VisionModel model =
                    ModelRegistry.get(name).create(ModelOptions.defaults().withImageSize(SIZE), 1)) {
                Map<String, NDArray> w = new ReferenceFill(11, 0.8, 2.0).stateDict(model.namedSlots(), model.manager());
                model.loadStateDict(w);
                w.values().forEach(NDArray::close);
                NDArray x = model.manager().randomNormal(new Shape(2, 3, SIZE, SIZE));
                NDArray[] eager = model.predictWithEmbedding(x);
                Path file = tmp.resolve(name + deploy + ".onnx");
                Exporter.export(
                        model,
                        file,
                        ExportOptions.defaults()
                                .withDeploy(deploy)
                                .withDynamicBatch()
                                .withEmbedding(true));
                try (OnnxPredictor p = OnnxPredictor.open(
                        file, OnnxPredictor.Options.defaults().withThreads(1))) {
                    assertThat(p.hasEmbedding()).isTrue();
                    OnnxPredictor.Outputs ort = p.run(x.toFloatArray(), 2, 3, SIZE, SIZE);
                    assertThat(relative(Tensors.flatten(ort.logits()), eager[0].toFloatArray()))
                            .as("%s logits (deploy %s)", name, deploy)
                            .isLessThanOrEqualTo(1e-4);
                    assertThat(ort.embeddings()[0])
                            .hasSize((int) eager[1].getShape().get(1));
                    assertThat(relative(Tensors.flatten(ort.embeddings()), eager[1].toFloatArray()))
                            .as("%s embedding (deploy %s)", name, deploy)
                            .isLessThanOrEqualTo(1e-4);
                }
            }
        }
    }

    private static double relative(float[] ours, float[] ref) {
        return Tensors.maxAbsDiff(ours, ref) / Math.max(1e-12, Tensors.maxAbs(ref));
    }

    private static ImageClassifier open(Predictor.Runtime runtime) throws IOException {
        return ImageClassifier.builder()
                .model(MODEL)
                .weights(weights)
                .runtime(runtime)
                .threads(1)
                .topK(3)
                .embeddings(true)
                .build();
    }

    @Test
    void everyInputKindAndBothRuntimesAgree() throws IOException {
        byte[] bytes = Files.readAllBytes(image);
        try (ImageClassifier torch = open(Predictor.Runtime.TORCH);
                ImageClassifier ort = open(Predictor.Runtime.ONNX)) {
            ImageClassifier.Result ref = torch.classify(image);
            assertThat(ref.top()).hasSize(3);
            assertThat(ref.embedding()).isNotEmpty();
            for (ImageClassifier c : List.of(torch, ort)) {
                List<ImageClassifier.Result> all = List.of(
                        c.classify(image),
                        c.classify(ImageIO.read(image.toFile())),
                        c.classify(bytes),
                        c.classify(new ByteArrayInputStream(bytes)),
                        c.classifyPaths(List.of(image, image)).get(1),
                        c.classifyBytes(List.of(bytes, bytes)).get(0));
                for (ImageClassifier.Result r : all) {
                    assertThat(r.top().get(0).index())
                            .isEqualTo(ref.top().get(0).index());
                    assertThat(r.top().get(0).probability())
                            .isCloseTo(ref.top().get(0).probability(), org.assertj.core.data.Offset.offset(1e-4));
                    assertThat(relative(r.embedding(), ref.embedding())).isLessThanOrEqualTo(1e-4);
                }
            }
        }
    }

    @Test
    void badImagesAndMissingEmbeddingsAreNamed() throws IOException {
        Path plain = tmp.resolve("plain.onnx");
        try (VisionModel m = ModelRegistry.get(MODEL).create(ModelOptions.defaults(), 7)) {
            Exporter.export(m, plain, ExportOptions.defaults().withDynamicBatch());
        }
        assertThatThrownBy(() -> ImageClassifier.builder()
                        .weights(plain)
                        .embeddings(true)
                        .build())
                .hasMessageContaining("plain.onnx has no embedding output");
        try (ImageClassifier c = ImageClassifier.builder().weights(plain).build()) {
            assertThat(c.classify(image).embedding()).isNull();
            byte[] good = Files.readAllBytes(image);
            assertThatThrownBy(() -> c.preprocess("hello".getBytes(), "upload"))
                    .isInstanceOf(ImageFiles.UnreadableImageException.class)
                    .hasMessageContaining("upload: not a readable image (unknown format");
            assertThatThrownBy(() -> c.preprocess(TestImages.bombPng(20_000, 20_000), "upload"))
                    .isInstanceOf(ImageFiles.UnreadableImageException.class)
                    .hasMessageContaining("20000×20000 = 400000000 pixels, more than the limit");
            assertThatThrownBy(() -> c.preprocess(Arrays.copyOf(good, good.length / 2), "upload"))
                    .isInstanceOf(ImageFiles.UnreadableImageException.class)
                    .hasMessageContaining("upload: not a readable image");
        }
    }
}
