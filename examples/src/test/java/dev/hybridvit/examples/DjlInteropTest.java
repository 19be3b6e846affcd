package dev.hybridvit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.inference.Predictor;
import ai.djl.modality.Classifications;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.onnxruntime.OrtEnvironment;
import dev.hybridvit.export.DjlServing;
import dev.hybridvit.export.ExportOptions;
import dev.hybridvit.export.Exporter;
import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.VisionModel;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An export loads in DJL as it is: {@code Criteria} on DJL's own OnnxRuntime engine
 * ({@code ai.djl.onnxruntime:onnxruntime-engine}) reads the {@code serving.properties} and
 * {@code synset.txt} written beside the .onnx and classifies a real photograph (scikit-image's
 * CC0 {@code chelsea.png}, 451×300) with the same top-1 (and our top-3 within its top-5) as hybridvit's {@code Predictor}.
 * The weights are freshly initialised (no pretrained file can be fetched here), so the classes are
 * arbitrary and their margins small: agreement shows the two pipelines feed the model the same
 * image, not that either recognises the cat.
 *
 * <p>The probabilities are close, not equal: DJL resizes with libtorch's bicubic interpolation,
 * which does not antialias when it shrinks (PIL widens its filter with the scale factor), and
 * floors the centre-crop offset where torchvision rounds it. The engine declares ORT 1.21; the
 * test also checks that the project's ORT is the one that runs. In one JVM, DJL's OnnxRuntime
 * engine must start before hybridvit's first ORT session (see docs/djl.md).
 */
class DjlInteropTest {
    static final String MODEL = "cmt_nano_hv";

    @TempDir
    Path dir;

    @Test
    void djlLoadsTheExportAndAgreesOnTopOne() throws Exception {
        Path onnx = dir.resolve(MODEL + ".onnx"),
                photo = Path.of(getClass().getResource("/chelsea.png").toURI());
        try (VisionModel model = ModelRegistry.get(MODEL).create(ModelOptions.defaults(), 11)) {
            Exporter.Result r = Exporter.export(
                    model, onnx, ExportOptions.defaults().withDeploy(true).withDynamicBatch());
            assertThat(DjlServing.write(onnx, r.metadata()))
                    .containsExactly(dir.resolve("serving.properties"), dir.resolve("synset.txt"));
        }
        Properties serving = new Properties();
        try (var in = java.nio.file.Files.newBufferedReader(dir.resolve("serving.properties"))) {
            serving.load(in);
        }
        assertThat(serving).containsEntry("resizeShort", "146,-1,BICUBIC").containsEntry("width", "128");

        // DJL's engine first: it creates ORT's environment with threading options, which ORT refuses once one exists
        Criteria<Image, Classifications> criteria = Criteria.builder()
                .setTypes(Image.class, Classifications.class)
                .optModelPath(dir)
                .optEngine("OnnxRuntime")
                .build();
        Classifications djl;
        try (ZooModel<Image, Classifications> model = criteria.loadModel();
                Predictor<Image, Classifications> predictor = model.newPredictor()) {
            djl = predictor.predict(ImageFactory.getInstance().fromFile(photo));
        }
        List<dev.hybridvit.infer.Predictor.Prediction> ours;
        try (dev.hybridvit.infer.Predictor p = dev.hybridvit.infer.Predictor.open(null, onnx, null, 0, null)) {
            ours = p.predict(List.of(photo), 5).get(0);
        }

        assertThat(OrtEnvironment.getEnvironment().getVersion()).isEqualTo("1.29.0");

        assertThat(djl.best().getClassName()).isEqualTo(ours.get(0).label());
        assertThat(djl.best().getProbability())
                .isCloseTo(ours.get(0).probability(), org.assertj.core.data.Offset.offset(0.02));
        // the classes' margins are tiny, so only the leading ones are stable under DJL's resize
        assertThat(djl.topK(5).stream().map(Classifications.Classification::getClassName))
                .containsAll(ours.subList(0, 3).stream()
                        .map(dev.hybridvit.infer.Predictor.Prediction::label)
                        .toList());
    }
}
