package dev.hybridvit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.modality.Classifications;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.onnxruntime.OrtEnvironment;
import dev.hybridvit.export.DjlServing;
import dev.hybridvit.export.ExportOptions;
import dev.hybridvit.export.Exporter;
import dev.hybridvit.infer.Predictor;
import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.VisionModel;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import javax.imageio.ImageIO;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An export loads in DJL as it is: {@code Criteria} on DJL's own OnnxRuntime engine
 * ({@code ai.djl.onnxruntime:onnxruntime-engine}) reads the {@code serving.properties} and
 * {@code synset.txt} written beside the .onnx and classifies a real photograph (scikit-image's CC0
 * {@code chelsea.png}, 451×300) as hybridvit's {@code Predictor} does.
 *
 * <p>On the photograph itself the two agree on top-1 only approximately by construction: DJL resizes
 * with libtorch's bicubic interpolation, which does not antialias when it shrinks (PIL widens its
 * filter with the scale factor), and floors the centre-crop offset where torchvision rounds it.
 * The weights are freshly initialised (no pretrained file can be fetched here), so class margins are
 * small. A crop of the photograph already at the resize target with an even crop margin takes
 * neither resampling nor offset rounding, and there the two must agree to float precision: decoding,
 * channel order, crop, normalisation and softmax are the same. The engine declares ORT 1.21; the test
 * checks that the project's ORT runs it. DJL's engine must start before hybridvit's first ORT
 * session in a JVM (see docs/djl.md), hence one JVM per test class in this module.
 */
class DjlInteropTest {
    static final String MODEL = "cmt_nano_hv"; // 128 px, crop 0.875: shorter side resized to 146

    @TempDir
    static Path dir;

    static Path onnx, photo, unscaled;
    static Classifications djlPhoto, djlUnscaled;

    @BeforeAll
    static void exportAndClassifyInDjl() throws Exception {
        onnx = dir.resolve(MODEL + ".onnx");
        photo = Path.of(DjlInteropTest.class.getResource("/chelsea.png").toURI());
        BufferedImage full = ImageIO.read(photo.toFile());
        unscaled = dir.resolve("chelsea-146.png"); // 200×146: crop offsets (36, 9) are exact in both pipelines
        ImageIO.write(full.getSubimage(150, 60, 200, 146), "png", unscaled.toFile());
        try (VisionModel model = ModelRegistry.get(MODEL).create(ModelOptions.defaults(), 11)) {
            Exporter.Result r = Exporter.export(
                    model, onnx, ExportOptions.defaults().withDeploy(true).withDynamicBatch());
            assertThat(DjlServing.write(onnx, r.metadata()))
                    .containsExactly(dir.resolve("serving.properties"), dir.resolve("synset.txt"));
        }
        // DJL first: its engine creates ORT's environment with threading options, refused once one exists
        Criteria<Image, Classifications> criteria = Criteria.builder()
                .setTypes(Image.class, Classifications.class)
                .optModelPath(dir)
                .optEngine("OnnxRuntime")
                .build();
        try (ZooModel<Image, Classifications> model = criteria.loadModel();
                ai.djl.inference.Predictor<Image, Classifications> predictor = model.newPredictor()) {
            djlPhoto = predictor.predict(ImageFactory.getInstance().fromFile(photo));
            djlUnscaled = predictor.predict(ImageFactory.getInstance().fromFile(unscaled));
        }
    }

    private static List<Predictor.Prediction> ours(Path image) throws IOException {
        try (Predictor p = Predictor.open(null, onnx, null, 0, null)) {
            return p.predict(List.of(image), 5).get(0);
        }
    }

    @Test
    void theManifestSaysWhatPredictDoesAndTheProjectsOrtRunsDjl() throws IOException {
        Properties serving = new Properties();
        try (var in = Files.newBufferedReader(dir.resolve("serving.properties"))) {
            serving.load(in);
        }
        assertThat(serving)
                .containsEntry("width", "128")
                .containsEntry("resizeShort", "146,-1,BICUBIC")
                .containsEntry("centerCrop", "true")
                .containsEntry("option.modelName", MODEL);
        assertThat(OrtEnvironment.getEnvironment().getVersion()).isEqualTo("1.29.0");
    }

    @Test
    void withoutResamplingDjlAndPredictAgreeToFloatPrecision() throws IOException {
        List<Predictor.Prediction> ours = ours(unscaled);
        for (int k = 0; k < 5; k++) {
            Classifications.Classification theirs = djlUnscaled.topK(5).get(k);
            assertThat(theirs.getClassName())
                    .as("rank %d", k)
                    .isEqualTo(ours.get(k).label());
            assertThat(theirs.getProbability()).isCloseTo(ours.get(k).probability(), Offset.offset(1e-6));
        }
    }

    @Test
    void onThePhotographDjlAgreesOnTopOne() throws IOException {
        List<Predictor.Prediction> ours = ours(photo);
        assertThat(djlPhoto.best().getClassName()).isEqualTo(ours.get(0).label());
        // DJL's resize is not antialiased, ours is PIL's: with fresh weights the margins below the
        // top-1 are tiny, so lower ranks may swap; only the top-1 and its probability are compared
        assertThat(djlPhoto.best().getProbability()).isCloseTo(ours.get(0).probability(), Offset.offset(0.02));
    }
}
