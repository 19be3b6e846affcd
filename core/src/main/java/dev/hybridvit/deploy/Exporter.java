package dev.hybridvit.deploy;

import dev.hybridvit.deploy.onnx.OnnxGraph;
import dev.hybridvit.models.ModelSpec;
import dev.hybridvit.models.VisionModel;
import dev.hybridvit.nn.Module;
import dev.hybridvit.weights.AtomicFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * ONNX export of a {@link VisionModel} (or of any single {@link Module}, for per-block profiling):
 * walks the module tree (each module contributes its own ONNX form), takes initializers from the
 * live weights, names the graph input {@code input} (N×3×H×W float32, N fixed or the dynamic axis
 * {@code batch}) and output {@code logits}, and records model name, input size, normalisation and
 * class names in the metadata.
 *
 * <p>The deploy form ({@link ExportOptions#deploy()}) calls {@link VisionModel#reparameterize()}
 * on the model itself (where the family has a deploy form and it was not called already), so the
 * model is left in its deploy form, exactly as the CLI's {@code --deploy} does for eager runs.
 * Export also switches the model to eval mode.
 */
public final class Exporter {
    /** Names of the graph's input and output. */
    public static final String INPUT = "input", OUTPUT = "logits";
    /** Name of the output of a {@linkplain #graph(Module, String, ExportOptions, long...) single-module graph}. */
    public static final String MODULE_OUTPUT = "output";

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
        OnnxGraph g = build(model, spec.name(), "", OUTPUT, options, 3, size, size);

        g.metadata("model", spec.name());
        g.metadata("family", spec.family());
        g.metadata("image_size", Integer.toString(size));
        g.metadata("input_layout", "NCHW float32 RGB, normalised: (x/255 - mean) / std");
        g.metadata("mean", floats(ModelSpec.IMAGENET_MEAN));
        g.metadata("std", floats(ModelSpec.IMAGENET_STD));
        g.metadata("crop_pct", Double.toString(spec.cropPct()));
        g.metadata("num_classes", Integer.toString(model.numClasses()));
        g.metadata("batch", options.dynamicBatch() ? "dynamic" : Integer.toString(options.batch()));
        g.metadata("deploy", Boolean.toString(options.deploy()));
        if (!options.classNames().isEmpty()) {
            if (options.classNames().size() != model.numClasses()) {
                throw new IllegalArgumentException(options.classNames().size() + " class names for " + model.numClasses() + " classes");
            }
            g.metadata("class_names", String.join("\n", options.classNames()));
        }
        return g;
    }

    /**
     * Any module on its own (a block of a model, say) as a graph from {@link #INPUT} to
     * {@link #MODULE_OUTPUT}: input shape = batch (fixed or dynamic, from {@code options}) ×
     * {@code sampleShape}. Nodes and initializers are named by the module's state-dict paths
     * under {@code prefix} (e.g. {@code features.3}); parameters it uses from outside its subtree
     * (CMT's stage-shared position bias) are exported too. {@link ExportOptions#deploy()} only
     * sets the Conv+BN folds here: reparameterise the owning model first for its deploy form.
     * Switches the module to eval mode. No model metadata is written.
     */
    public static OnnxGraph graph(Module module, String prefix, ExportOptions options, long... sampleShape) {
        module.setTraining(false);
        String name = prefix.isEmpty() ? module.getClass().getSimpleName() : prefix;
        return build(module, name, prefix, MODULE_OUTPUT, options, sampleShape);
    }

    private static OnnxGraph build(Module module, String graphName, String prefix, String output, ExportOptions options,
                                   long... sampleShape) {
        OnnxGraph g = new OnnxGraph(graphName, options.opset(), options.deploy());
        String dot = prefix.isEmpty() ? "" : prefix + ".";
        module.namedModules().forEach((name, m) -> g.scope(m, name.isEmpty() ? graphName : dot + name));
        module.namedSlots().forEach((name, p) -> g.scope(p, dot + name));
        long[] dims = new long[sampleShape.length + 1];
        dims[0] = options.dynamicBatch() ? -1 : options.batch();
        System.arraycopy(sampleShape, 0, dims, 1, sampleShape.length);
        String input = g.input(INPUT, dims);
        g.output(module.toOnnx(g, input), output);
        return g;
    }

    /** Exports to {@code file} atomically (a failed export leaves no partial file). */
    public static Result export(VisionModel model, Path file, ExportOptions options) throws IOException {
        OnnxGraph g = graph(model, options);
        AtomicFiles.write(file, g::writeTo);
        return new Result(file, Files.size(file), g.nodeCount(), model.imageSize(), options.batch());
    }

    private static String floats(float[] v) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < v.length; i++) sb.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT, "%s", v[i]));
        return sb.toString();
    }
}
