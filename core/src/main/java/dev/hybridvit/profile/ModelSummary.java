package dev.hybridvit.profile;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelSpec;
import dev.hybridvit.models.VisionModel;
import dev.hybridvit.nn.MacCounter;
import dev.hybridvit.nn.Parameter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code info} reports: parameter count, multiply-accumulates (counted per module while a
 * batch-1 forward runs, the way the papers count "FLOPs"), a per-part table and the state dict.
 */
public record ModelSummary(
        String model,
        String family,
        int imageSize,
        int numClasses,
        long params,
        long macs,
        List<Part> stages,
        List<Key> stateDict) {
    /** One row of the pipeline table. */
    public record Part(String name, List<Long> outputShape, long params, long macs) {}

    /** One state-dict entry. */
    public record Key(String name, List<Long> shape, String dtype, boolean buffer) {}

    public static ModelSummary of(ModelSpec spec, ModelOptions options) {
        try (VisionModel model = spec.create(options, 0)) {
            int size = model.imageSize();
            model.checkInputSize(size, size);
            Map<String, Long> partParams = new LinkedHashMap<>();
            List<Key> keys = new ArrayList<>();
            for (Map.Entry<String, Parameter> e : model.namedSlots().entrySet()) {
                Parameter p = e.getValue();
                keys.add(
                        new Key(e.getKey(), dims(p.shape()), p.dtype().asNumpy().replace("<", ""), !p.isTrainable()));
                if (p.isTrainable()) partParams.merge(model.partOf(e.getKey()), p.numel(), Long::sum);
            }
            List<Part> parts = new ArrayList<>();
            NDArray[] x = {model.manager().zeros(new Shape(1, 3, size, size))};
            long macs = MacCounter.count(1, () -> x[0] = model.runStem(x[0]));
            parts.add(new Part("stem", dims(x[0].getShape()), partParams.getOrDefault("stem", 0L), macs));
            List<NDArray> stages = new ArrayList<>();
            for (int i = 0; i < model.numStages(); i++) {
                final int stage = i;
                long m = MacCounter.count(1, () -> x[0] = model.runStage(stage, x[0]));
                stages.add(x[0]);
                parts.add(new Part(
                        "stage" + (i + 1), dims(x[0].getShape()), partParams.getOrDefault("stage" + (i + 1), 0L), m));
            }
            long headMacs = MacCounter.count(1, () -> x[0] = model.forwardHead(stages));
            parts.add(new Part("head", dims(x[0].getShape()), partParams.getOrDefault("head", 0L), headMacs));
            long total = parts.stream().mapToLong(Part::macs).sum();
            return new ModelSummary(
                    spec.name(), spec.family(), size, options.numClasses(), model.parameterCount(), total, parts, keys);
        }
    }

    private static List<Long> dims(Shape s) {
        List<Long> out = new ArrayList<>();
        for (long d : s.getShape()) out.add(d);
        return out;
    }

    /** Human-readable report. */
    public String render() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%s (%s) at %dx%d, %d classes%n", model, family, imageSize, imageSize, numClasses));
        sb.append(String.format("params: %,d (%.2f M)%n", params, params / 1e6));
        sb.append(String.format(
                "MACs:   %,d (%.3f G, conv + linear + attention matmuls, batch 1)%n%n", macs, macs / 1e9));
        sb.append(String.format("%-8s %-20s %14s %10s%n", "part", "output", "params", "GMACs"));
        for (Part p : stages) {
            sb.append(String.format("%-8s %-20s %,14d %10.3f%n", p.name, p.outputShape, p.params, p.macs / 1e9));
        }
        sb.append(String.format("%nstate dict (%d entries):%n", stateDict.size()));
        for (Key k : stateDict)
            sb.append(String.format("  %-60s %s%s%n", k.name, k.shape, k.buffer ? " (buffer)" : ""));
        return sb.toString();
    }
}
