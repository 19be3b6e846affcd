package dev.hybridvit.export;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.hybridvit.infer.OnnxPredictor;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.VisionModel;
import dev.hybridvit.tensor.Tensors;
import dev.hybridvit.weights.ReferenceFill;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A measurement, not a test (too slow for the suite): every registered segmentation model, filled
 * by the reference rule (base seed 2024, gain 0.8, qk-gain 3) at {@code SIZE} px, exported plain
 * and in the deploy form with its backbone's stage outputs beside the logits, and each output of
 * ONNX Runtime compared with the eager model. Prints a Markdown table (max |ORT − eager| and that
 * difference relative to the output's largest magnitude). Arguments: [size] [models...].
 */
public final class SegmentationParityReport {
    private SegmentationParityReport() {}

    public static void main(String[] args) throws IOException {
        int size = args.length > 0 ? Integer.parseInt(args[0]) : 64;
        List<String> models =
                args.length > 1 ? List.of(args).subList(1, args.length) : ModelRegistry.segmentationNames();
        ReferenceFill fill = new ReferenceFill(2024, 0.8, 3.0);
        Path dir = Files.createTempDirectory("seg-parity");
        System.out.println("| model | form | logits max abs diff | logits relative | max |logit| "
                + "| worst stage relative (stage) |");
        System.out.println("|---|---|---|---|---|---|");
        for (String name : models) {
            for (boolean deploy : new boolean[] {false, true}) {
                try (VisionModel model = ModelRegistry.get(name)
                        .create(ModelRegistry.defaultOptions(name).withImageSize(size), 0)) {
                    Map<String, NDArray> w = fill.stateDict(model.namedSlots(), model.manager());
                    model.loadStateDict(w);
                    w.values().forEach(NDArray::close);
                    float[] input = fill.input(1, size);
                    Path file = dir.resolve(name + ".onnx");
                    Exporter.export(
                            model,
                            file,
                            ExportOptions.defaults().withDeploy(deploy).withStages(true));
                    float[] logits;
                    List<float[]> stages;
                    try (NDManager scope = model.manager().newSubManager()) {
                        NDArray x = scope.create(input, new Shape(1, 3, size, size));
                        stages = model.forwardStages(x).stream()
                                .map(Tensors::toFloats)
                                .toList();
                        logits = Tensors.toFloats(model.forward(x));
                    }
                    Map<String, OnnxPredictor.Output> ort;
                    try (OnnxPredictor p = OnnxPredictor.open(file)) {
                        ort = p.outputs(input, 1, 3, size, size);
                    }
                    float[] l = ort.get(Exporter.OUTPUT).data();
                    double worst = 0;
                    int worstStage = 0;
                    for (int i = 0; i < stages.size(); i++) {
                        double r = OnnxExportTest.relative(
                                ort.get(Exporter.featureName(i)).data(), stages.get(i));
                        if (r > worst) {
                            worst = r;
                            worstStage = i;
                        }
                    }
                    System.out.printf(
                            Locale.ROOT,
                            "| `%s` | %s | %.2e | %.2e | %.2f | %.2e (%d) |%n",
                            name,
                            deploy ? "deploy" : "plain",
                            Tensors.maxAbsDiff(l, logits),
                            OnnxExportTest.relative(l, logits),
                            Tensors.maxAbs(logits),
                            worst,
                            worstStage);
                    Files.delete(file);
                }
            }
        }
        Files.delete(dir);
    }
}
