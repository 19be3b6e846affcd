package dev.hybridvit.deploy;

import dev.hybridvit.data.ImageNetClasses;
import dev.hybridvit.data.Preprocessing;
import dev.hybridvit.deploy.onnx.OnnxGraph;
import dev.hybridvit.models.ModelSpec;
import dev.hybridvit.models.VisionModel;
import dev.hybridvit.weights.AtomicFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * ONNX export of a {@link VisionModel}: walks the module tree (each module contributes its own
 * ONNX form), takes initializers from the live weights, names the graph input {@code input}
 * (N×3×H×W float32, N fixed or the dynamic axis {@code batch}) and output {@code logits}, and
 * records model name, preprocessing ({@link Preprocessing#metadata()}) and class names (the ImageNet-1k
 * names for a 1000-class model unless others are given) in the metadata.
 *
 * <p>The deploy form ({@link ExportOptions#deploy()}) calls {@link VisionModel#reparameterize()}
 * on the model itself (where the family has a deploy form and it was not called already), so the
 * model is left in its deploy form, exactly as the CLI's {@code --deploy} does for eager runs.
 * Export also switches the model to eval mode.
 */
public final class Exporter {
    /** Names of the graph's input and output. */
    public static final String INPUT = "input", OUTPUT = "logits";
    /** Metadata key of the newline-separated class names. */
    public static final String CLASS_NAMES = "class_names";

    private Exporter() {}

    /** What an export wrote. */
    public record Result(Path file, long bytes, int nodes, int imageSize, int batch) {}

    /** The model as an ONNX graph at its built image size (see {@link VisionModel#imageSize()}). */
    public static OnnxGraph graph(VisionModel model, ExportOptions options) {
        ModelSpec spec = model.spec();
        int size = model.imageSize();
        model.checkInputSize(size, size);
        model.setTraining(false);
        if (options.deploy() && !model.isReparameterized()) {
            try {
                model.reparameterize();
            } catch (UnsupportedOperationException none) {
                // family without a reparameterised form: only the Conv+BN folds apply
            }
        }
        OnnxGraph g = new OnnxGraph(spec.name(), options.opset(), options.deploy());
        model.namedModules().forEach((name, m) -> g.scope(m, name.isEmpty() ? spec.name() : name));
        model.namedSlots().forEach((name, p) -> g.scope(p, name));
        String input = g.input(INPUT, options.dynamicBatch() ? -1 : options.batch(), 3, size, size);
        g.output(model.toOnnx(g, input), OUTPUT);

        g.metadata("model", spec.name());
        g.metadata("family", spec.family());
        Preprocessing pre = options.preprocessing() != null ? options.preprocessing() : Preprocessing.of(spec, size);
        if (pre.size() != size) throw new IllegalArgumentException("preprocessing is for " + pre.size() + " px, the model takes " + size);
        pre.metadata().forEach(g::metadata);
        g.metadata("input_layout", "NCHW float32 RGB, normalised: (x/255 - mean) / std");
        g.metadata("num_classes", Integer.toString(model.numClasses()));
        g.metadata("batch", options.dynamicBatch() ? "dynamic" : Integer.toString(options.batch()));
        g.metadata("deploy", Boolean.toString(options.deploy()));
        List<String> names = options.classNames().isEmpty() ? ImageNetClasses.defaultFor(model.numClasses()) : options.classNames();
        if (!names.isEmpty()) {
            if (names.size() != model.numClasses()) {
                throw new IllegalArgumentException(names.size() + " class names for " + model.numClasses() + " classes");
            }
            g.metadata(CLASS_NAMES, String.join("\n", names));
        }
        return g;
    }

    /** Exports to {@code file} atomically (a failed export leaves no partial file). */
    public static Result export(VisionModel model, Path file, ExportOptions options) throws IOException {
        OnnxGraph g = graph(model, options);
        AtomicFiles.write(file, g::writeTo);
        return new Result(file, Files.size(file), g.nodeCount(), model.imageSize(), options.batch());
    }

    /** The class names recorded in an exported model's metadata (newline-separated), or empty. */
    public static List<String> classNames(Map<String, String> metadata) {
        String v = metadata.get(CLASS_NAMES);
        return v == null || v.isEmpty() ? List.of() : List.of(v.split("\n", -1));
    }
}
