package dev.hybridvit.export;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.hybridvit.infer.OnnxPredictor;
import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.VisionModel;
import dev.hybridvit.tensor.Tensors;
import dev.hybridvit.weights.ReferenceFill;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The multi-output features export ({@code stage0} …) against the eager headless backbone in ONNX
 * Runtime, plain and deploy form, for every registered model under {@value #MAX_PARAMS} parameters
 * (every family and stage type; the stage emitters are the ones the classification exports use,
 * whose parity {@link OnnxExportTest} checks for the whole registry).
 */
class FeaturesExportTest {
    static final int SIZE = 64;
    static final long MAX_PARAMS = 12_000_000;

    @TempDir
    Path tmp;

    static List<String> models() {
        return ModelRegistry.names().stream()
                .filter(n -> ModelRegistry.get(n)
                                .architecture(ModelOptions.defaults().withImageSize(SIZE))
                                .parameterCount()
                        < MAX_PARAMS)
                .toList();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void featuresExportMatchesEager(String name) throws IOException {
        for (boolean deploy : new boolean[] {false, true}) {
            try (VisionModel backbone = ModelRegistry.get(name)
                    .create(ModelOptions.defaults().withImageSize(SIZE).headless(false), 1)) {
                Map<String, NDArray> w =
                        new ReferenceFill(11, 0.8, 2.0).stateDict(backbone.namedSlots(), backbone.manager());
                backbone.loadStateDict(w);
                NDArray x = backbone.manager().randomNormal(new Shape(1, 3, SIZE, SIZE));
                int[] out = {0, 2, 3};
                Path file = tmp.resolve(name + deploy + ".onnx");
                Exporter.exportFeatures(backbone, file, ExportOptions.defaults().withDeploy(deploy), out);
                List<NDArray> eager = backbone.features(x, out);
                try (OnnxPredictor p = OnnxPredictor.open(
                        file, OnnxPredictor.Options.defaults().withThreads(1))) {
                    Map<String, OnnxPredictor.Output> ort = p.outputs(x.toFloatArray(), 1, 3, SIZE, SIZE);
                    assertThat(ort.keySet()).containsExactly("stage0", "stage2", "stage3");
                    for (int k = 0; k < out.length; k++) {
                        float[] ref = Tensors.toFloats(eager.get(k));
                        OnnxPredictor.Output o = ort.get(Exporter.featureName(out[k]));
                        assertThat(o.shape()).isEqualTo(eager.get(k).getShape().getShape());
                        assertThat(Tensors.maxAbsDiff(o.data(), ref) / Math.max(1, Tensors.maxAbs(ref)))
                                .as("stage %d (deploy %s): ORT vs eager", out[k], deploy)
                                .isLessThanOrEqualTo(1e-4);
                    }
                }
            }
        }
    }
}
