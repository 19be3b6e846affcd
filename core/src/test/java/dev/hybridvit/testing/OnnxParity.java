package dev.hybridvit.testing;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import dev.hybridvit.export.ExportOptions;
import dev.hybridvit.export.Exporter;
import dev.hybridvit.infer.OnnxPredictor;
import dev.hybridvit.models.VisionModel;
import dev.hybridvit.tensor.Tensors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** The plain and the deploy ONNX graph of a model, run in ONNX Runtime, against its eager eval output. */
public final class OnnxParity {
    private OnnxParity() {}

    /**
     * Exports {@code model} plain, then as deploy graph (which reparameterises it), into {@code dir}
     * at {@code x}'s batch size, and asserts each graph's logits on {@code x} within {@code tolerance}
     * (relative to the largest logit) of {@code eager}, the eval-mode output taken before.
     */
    public static void assertGraphsMatch(VisionModel model, NDArray x, float[] eager, Path dir, double tolerance)
            throws IOException {
        long[] s = x.getShape().getShape();
        float[] input = x.toFloatArray();
        for (boolean deploy : List.of(false, true)) {
            Path file = dir.resolve(model.spec().name() + (deploy ? "-deploy" : "") + ".onnx");
            Exporter.export(
                    model, file, ExportOptions.defaults().withDeploy(deploy).withBatch((int) s[0]));
            try (OnnxPredictor p =
                    OnnxPredictor.open(file, OnnxPredictor.Options.defaults().withThreads(1))) {
                float[] ort = Tensors.flatten(p.predict(input, (int) s[0], (int) s[1], (int) s[2], (int) s[3]));
                assertThat(Tensors.maxAbsDiff(ort, eager) / Tensors.maxAbs(eager))
                        .as("ORT %s graph vs eager", deploy ? "deploy" : "plain")
                        .isLessThanOrEqualTo(tolerance);
            }
        }
    }
}
