package dev.hybridvit.export;

import ai.onnx.proto.OnnxMl.ModelProto;
import dev.hybridvit.data.ImageNetClasses;
import dev.hybridvit.data.Preprocessing;
import dev.hybridvit.export.onnx.OnnxGraph;
import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.ModelSpec;
import dev.hybridvit.models.PretrainedTag;
import dev.hybridvit.models.VisionModel;
import dev.hybridvit.nn.Module;
import dev.hybridvit.nn.Reparameterization;
import dev.hybridvit.weights.AtomicFiles;
import dev.hybridvit.weights.Checkpoint;
import dev.hybridvit.weights.WeightsLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * ONNX export of a {@link VisionModel} (or of any single {@link Module}, for per-block profiling):
 * walks the module tree (each module's ONNX form comes from {@link Emitters}), takes initializers from the
 * live weights, names the graph input {@code input} (N×3×H×W float32, N fixed or the dynamic axis
 * {@code batch}) and output {@code logits}, and records model name, preprocessing
 * ({@link Preprocessing#metadata()}) and class names (the ImageNet-1k names for a 1000-class model
 * unless others are given) in the metadata.
 *
 * <p>The deploy form ({@link ExportOptions#deploy()}) calls {@link VisionModel#reparameterize()}
 * on the model itself, so the model is left in its deploy form, exactly as the CLI's {@code
 * --deploy} does for eager runs, and the graph is that function in the family's ORT-tuned form.
 * Export also switches the model to eval mode.
 */
public final class Exporter {
    /** Names of the graph's input and output. */
    public static final String INPUT = "input", OUTPUT = "logits";
    /** Name of the optional second output, the pooled features ({@link VisionModel#forwardEmbedding}). */
    public static final String EMBEDDING = "embedding";
    /** Name of the output of a {@linkplain #graph(Module, String, ExportOptions, long...) single-module graph}. */
    public static final String MODULE_OUTPUT = "output";
    /** Metadata key of the newline-separated class names. */
    public static final String CLASS_NAMES = "class_names";

    private Exporter() {}

    /** What an export wrote, with the model metadata it carries. */
    public record Result(Path file, long bytes, int nodes, int imageSize, int batch, Map<String, String> metadata) {}

    /** The model as an ONNX graph at its built image size (see {@link VisionModel#imageSize()}). */
    public static OnnxGraph graph(VisionModel model, ExportOptions options) {
        ModelSpec spec = model.spec();
        int size = model.imageSize();
        model.checkInputSize(size, size);
        model.setTraining(false);
        if (options.deploy()) model.reparameterize();
        OnnxGraph g = newGraph(spec.name(), options);
        List<String> extra = new ArrayList<>();
        if (options.embedding()) extra.add(EMBEDDING);
        if (options.stages()) for (int i = 0; i < model.numStages(); i++) extra.add(featureName(i));
        extra.forEach(g::request);
        build(g, model, spec.name(), "", OUTPUT, options, 3, size, size);
        for (String name : extra) {
            String value = g.offered(name);
            if (value == null)
                throw new IllegalArgumentException(spec.name() + " has no " + name + " output in its ONNX form");
            g.output(value, name);
        }

        g.metadata("model", spec.name());
        g.metadata("family", spec.family());
        Preprocessing pre = options.preprocessing() != null ? options.preprocessing() : Preprocessing.of(spec, size);
        if (pre.size() != size)
            throw new IllegalArgumentException("preprocessing is for " + pre.size() + " px, the model takes " + size);
        pre.metadata().forEach(g::metadata);
        g.metadata("input_layout", "NCHW float32 RGB, normalised: (x/255 - mean) / std");
        g.metadata("num_classes", Integer.toString(model.numClasses()));
        g.metadata("batch", options.dynamicBatch() ? "dynamic" : Integer.toString(options.batch()));
        g.metadata("deploy", Boolean.toString(options.deploy()));
        List<String> names =
                options.classNames().isEmpty() ? ImageNetClasses.defaultFor(model.numClasses()) : options.classNames();
        if (!names.isEmpty()) {
            if (names.size() != model.numClasses()) {
                throw new IllegalArgumentException(
                        names.size() + " class names for " + model.numClasses() + " classes");
            }
            g.metadata(CLASS_NAMES, String.join("\n", names));
        }
        return g;
    }

    /**
     * The multi-scale features of {@code model} as a graph: input {@link #INPUT}, one output per
     * stage asked for, named {@code stage<i>} (0-based, as {@code out_indices}), each N×C×H×W
     * after the stage's output norm. The classifier, where the model has one, is not emitted.
     */
    public static OnnxGraph featuresGraph(VisionModel model, ExportOptions options, int... outIndices) {
        model.checkOutIndices(outIndices);
        int size = model.imageSize();
        model.checkInputSize(size, size);
        model.setTraining(false);
        if (options.deploy()) model.reparameterize();
        String name = model.spec().name();
        OnnxGraph g = newGraph(name, options);
        model.namedModules().forEach((n, m) -> g.scope(m, n.isEmpty() ? name : n));
        model.namedSlots().forEach((n, p) -> g.scope(p, n));
        String input = g.input(INPUT, options.dynamicBatch() ? -1 : options.batch(), 3, size, size);
        List<String> stages = Emitters.emitStages(g, model, input);
        for (int i : outIndices) g.output(stages.get(i), featureName(i));
        g.metadata("model", name);
        g.metadata("family", model.spec().family());
        g.metadata("image_size", Integer.toString(size));
        g.metadata("features", java.util.Arrays.toString(outIndices));
        g.metadata("batch", options.dynamicBatch() ? "dynamic" : Integer.toString(options.batch()));
        g.metadata("deploy", Boolean.toString(options.deploy()));
        return g;
    }

    /** The name of stage {@code i}'s feature output (in exports and {@code .npz} files). */
    public static String featureName(int i) {
        return "stage" + i;
    }

    /** Writes {@link #featuresGraph} to {@code file} atomically. */
    public static Result exportFeatures(VisionModel model, Path file, ExportOptions options, int... outIndices)
            throws IOException {
        OnnxGraph g = featuresGraph(model, options, outIndices);
        AtomicFiles.write(file, g::writeTo);
        return new Result(file, Files.size(file), g.nodeCount(), model.imageSize(), options.batch(), g.metadata());
    }

    /**
     * Any module on its own (a block of a model, say) as a graph from {@link #INPUT} to
     * {@link #MODULE_OUTPUT}: input shape = batch (fixed or dynamic, from {@code options}) ×
     * {@code sampleShape}. Nodes and initializers are named by the module's state-dict paths
     * under {@code prefix} (e.g. {@code features.3}); parameters it uses from outside its subtree
     * (CMT's stage-shared position bias) are exported too. {@link ExportOptions#deploy()}
     * reparameterises the module in place first ({@link Reparameterization}). Switches the module
     * to eval mode. No model metadata is written.
     */
    public static OnnxGraph graph(Module module, String prefix, ExportOptions options, long... sampleShape) {
        if (options.deploy()) Reparameterization.apply(module);
        module.setTraining(false);
        String name = prefix.isEmpty() ? module.getClass().getSimpleName() : prefix;
        OnnxGraph g = newGraph(name, options);
        build(g, module, name, prefix, MODULE_OUTPUT, options, sampleShape);
        return g;
    }

    private static void build(
            OnnxGraph g,
            Module module,
            String graphName,
            String prefix,
            String output,
            ExportOptions options,
            long... sampleShape) {
        String dot = prefix.isEmpty() ? "" : prefix + ".";
        module.namedModules().forEach((name, m) -> g.scope(m, name.isEmpty() ? graphName : dot + name));
        module.namedSlots().forEach((name, p) -> g.scope(p, dot + name));
        long[] dims = new long[sampleShape.length + 1];
        dims[0] = options.dynamicBatch() ? -1 : options.batch();
        System.arraycopy(sampleShape, 0, dims, 1, sampleShape.length);
        String input = g.input(INPUT, dims);
        g.output(Emitters.emit(g, module, input), output);
    }

    /**
     * Builds {@code modelName}, loads {@code weights} (strict) and exports it. A project checkpoint
     * brings its own model name, class count, input size, class names and training preprocessing;
     * for other weights {@code modelName}, {@code numClasses} (≤ 0: 1000) and {@code imgSize} (0:
     * native) apply.
     */
    public static Result exportWeights(
            String modelName, Path weights, Path file, ExportOptions options, int numClasses, int imgSize)
            throws IOException {
        return exportWeights(modelName, weights, file, options, numClasses, imgSize, UnaryOperator.identity());
    }

    /** As above, with the graph rewritten by {@code pass} (a reduced-precision form, say) before it is written. */
    public static Result exportWeights(
            String modelName,
            Path weights,
            Path file,
            ExportOptions options,
            int numClasses,
            int imgSize,
            UnaryOperator<ModelProto> pass)
            throws IOException {
        java.util.Optional<Checkpoint.Info> info = Checkpoint.info(weights);
        String name = info.map(Checkpoint.Info::model).orElse(modelName);
        if (name == null)
            throw new IllegalArgumentException("name the model (" + weights + " is not a hybridvit checkpoint)");
        if (modelName != null && !modelName.equals(name)) {
            throw new IllegalArgumentException(weights + " holds a " + name + " checkpoint, not " + modelName);
        }
        ModelSpec spec = ModelRegistry.get(name);
        ModelOptions mo = info.map(Checkpoint.Info::options)
                .orElseGet(() -> numClasses > 0
                        ? ModelOptions.defaults().withNumClasses(numClasses).withImageSize(imgSize)
                        : ModelRegistry.defaultOptions(name).withImageSize(imgSize));
        try (VisionModel net = spec.create(mo, 0)) {
            WeightsLoader.load(net, weights, WeightsLoader.Options.STRICT);
            if (info.isPresent()) {
                options = options.withClassNames(info.get().classNames())
                        .withPreprocessing(Preprocessing.of(
                                spec, net.imageSize(), info.get().extra()));
            }
            return export(net, file, options, pass);
        }
    }

    /**
     * Loads {@code weights} as the weights released under {@code tag} (a file that does not fit is
     * rejected naming both) and exports them with the tag's input size and preprocessing.
     */
    public static Result exportPretrained(PretrainedTag tag, Path weights, Path file, ExportOptions options)
            throws IOException {
        return exportPretrained(tag, weights, file, options, UnaryOperator.identity());
    }

    /** As above, the graph rewritten by {@code pass} before it is written (see {@link #export(VisionModel, Path, ExportOptions, UnaryOperator)}). */
    public static Result exportPretrained(
            PretrainedTag tag, Path weights, Path file, ExportOptions options, UnaryOperator<ModelProto> pass)
            throws IOException {
        ModelOptions mo = ModelOptions.defaults()
                .withNumClasses(tag.numClasses())
                .withImageSize(tag.data().imageSize());
        try (VisionModel net = tag.spec().create(mo, 0)) {
            WeightsLoader.loadPretrained(net, weights, tag);
            return export(net, file, options.withPreprocessing(Preprocessing.of(tag.data())), pass);
        }
    }

    /** Exports to {@code file} atomically (a failed export leaves no partial file). */
    public static Result export(VisionModel model, Path file, ExportOptions options) throws IOException {
        return export(model, file, options, UnaryOperator.identity());
    }

    /**
     * Exports the graph as rewritten by {@code pass} (e.g. {@code export.quant}'s int8 and fp16
     * forms); the pass runs before anything is written, so a failing pass leaves no file.
     */
    public static Result export(VisionModel model, Path file, ExportOptions options, UnaryOperator<ModelProto> pass)
            throws IOException {
        OnnxGraph g = graph(model, options);
        ModelProto m = pass.apply(g.build());
        AtomicFiles.write(file, m::writeTo);
        return new Result(
                file,
                Files.size(file),
                m.getGraph().getNodeCount(),
                model.imageSize(),
                options.batch(),
                Map.copyOf(g.metadata()));
    }

    /** An empty graph in the form {@code options} asks for (opset, deploy, channels-last). */
    private static OnnxGraph newGraph(String name, ExportOptions options) {
        return new OnnxGraph(name, options.opset(), options.deploy(), options.channelsLast());
    }

    /** The class names recorded in an exported model's metadata (newline-separated), or empty. */
    public static List<String> classNames(Map<String, String> metadata) {
        String v = metadata.get(CLASS_NAMES);
        return v == null || v.isEmpty() ? List.of() : List.of(v.split("\n", -1));
    }
}
