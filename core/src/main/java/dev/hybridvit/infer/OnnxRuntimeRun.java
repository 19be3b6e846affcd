package dev.hybridvit.infer;

import dev.hybridvit.export.ExportOptions;
import dev.hybridvit.export.Exporter;
import dev.hybridvit.models.VisionModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One-shot ONNX Runtime inference for a loaded model (what {@code run --runtime onnx} does):
 * export to a temporary file with a dynamic batch axis, open an {@link OnnxPredictor}, predict,
 * delete the file.
 */
public final class OnnxRuntimeRun {
    private OnnxRuntimeRun() {}

    /**
     * Logits of {@code model} (deploy form if asked) for an N×3×H×W input, through ORT; NaN/Inf
     * inputs are refused unless {@code allowNonFinite}.
     */
    public static float[][] logits(
            VisionModel model, boolean deploy, int threads, boolean allowNonFinite, float[] nchw, long... shape)
            throws IOException {
        Path file = Files.createTempFile("hybridvit-", ".onnx");
        try {
            Exporter.export(
                    model, file, ExportOptions.defaults().withDeploy(deploy).withDynamicBatch());
            try (OnnxPredictor p = OnnxPredictor.open(
                    file, OnnxPredictor.Options.defaults().withThreads(threads).withNonFiniteAllowed(allowNonFinite))) {
                return p.predict(nchw, shape);
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
