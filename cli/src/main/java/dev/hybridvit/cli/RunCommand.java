package dev.hybridvit.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.hybridvit.export.ExportOptions;
import dev.hybridvit.export.Exporter;
import dev.hybridvit.infer.OnnxPredictor;
import dev.hybridvit.infer.OnnxRuntimeRun;
import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.ModelSpec;
import dev.hybridvit.models.VisionModel;
import dev.hybridvit.tensor.Finite;
import dev.hybridvit.tensor.Tensors;
import dev.hybridvit.weights.Npy;
import dev.hybridvit.weights.Npz;
import dev.hybridvit.weights.WeightsLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code run MODEL --weights F --input X.npy --output Y.npy}: forward a raw NCHW float32 tensor
 * and write the logits (N×K, or N×K×H×W for a segmentation model) — the parity tool against a
 * PyTorch run of the same weights. {@code --features OUT.npz} runs the headless backbone instead
 * and writes one N×C×H×W array per stage asked for ({@code stage0} …).
 */
@Command(
        name = "run",
        description = "Forward a raw NCHW float32 .npy tensor and write the logits as .npy (or the stage features as"
                + " .npz).")
final class RunCommand implements Callable<Integer> {
    @Parameters(paramLabel = "MODEL")
    String model;

    @Option(
            names = "--weights",
            required = true,
            description =
                    "weights: .pth/.pt/.bin (official or timm checkpoints), .safetensors, .npz, or a hybridvit checkpoint")
    Path weights;

    @Option(names = "--input", required = true, description = "input tensor, float32 N×3×H×W .npy")
    Path input;

    @Option(
            names = "--output",
            description = "where to write the logits (.npy): N×classes, or N×classes×H×W for a segmentation model")
    Path output;

    @Option(
            names = "--features",
            description = "instead of logits, write the headless backbone's stage outputs (N×C×H×W float32, named"
                    + " stage0 … stage3) to this .npz; the checkpoint's classifier keys are ignored")
    Path features;

    @Option(
            names = "--out-indices",
            split = ",",
            description = "with --features: the stages to write, 0-based (default: all)")
    int[] outIndices;

    @Option(
            names = "--extra-norms",
            description = "with --features: Next-ViT's dense backbone, BatchNorms extra_norm_list.* and norm on the"
                    + " stage outputs (as the official segmentation/detection code)")
    boolean extraNorms;

    @Option(names = "--img-size", description = "input resolution the model is built for (default: the input's height)")
    int imgSize;

    @Option(
            names = "--num-classes",
            description =
                    "classifier outputs; a checkpoint classifier of another size is then re-initialised (default: 1000)")
    Integer numClasses;

    @Option(names = "--lenient", description = "load what fits and report the rest instead of failing")
    boolean lenient;

    @Option(names = "--deploy", description = "run the reparameterised (BN-folded) deploy form")
    boolean deploy;

    @Option(
            names = "--runtime",
            description = "torch (eager libtorch) or onnx (export, then ONNX Runtime) (default: ${DEFAULT-VALUE})")
    String runtime = "torch";

    @Option(names = "--threads", description = "intra-op threads for ONNX Runtime (default: all cores)")
    int threads;

    @Option(
            names = "--allow-non-finite",
            description = "pass NaN and infinite input values to the model; by default an input holding one is"
                    + " refused, naming the first position (in both runtimes)")
    boolean allowNonFinite;

    @Override
    public Integer call() throws Exception {
        ModelSpec spec = ModelRegistry.get(model);
        if (!runtime.equals("torch") && !runtime.equals("onnx")) {
            throw new IllegalArgumentException("--runtime must be torch or onnx, got '" + runtime + "'");
        }
        if ((output == null) == (features == null)) {
            throw new IllegalArgumentException("give exactly one of --output (logits) and --features (stage outputs)");
        }
        FeatureFlags.check(spec, features != null, outIndices, extraNorms);
        boolean segmentation = ModelRegistry.isSegmentation(model);
        Npy.Array x = Npy.read(input);
        long[] s = x.shape();
        if (!allowNonFinite) Finite.require(x.data(), s, input.toString());
        int size = imgSize > 0 ? imgSize : s.length == 4 ? (int) s[2] : 0;
        if (imgSize > 0 && s.length == 4 && (s[2] != imgSize || s[3] != imgSize)) {
            throw new IllegalArgumentException(
                    input + ": tensor is " + s[2] + "×" + s[3] + " but --img-size is " + imgSize);
        }
        ModelOptions options = ModelRegistry.options(model, numClasses).withImageSize(size);
        if (features != null) options = options.headless(extraNorms);
        try (VisionModel net = spec.create(options, 0)) {
            try {
                net.checkInputShape(s);
                if (features != null && outIndices != null) net.checkOutIndices(outIndices);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(input + ": " + e.getMessage(), e);
            }
            NDManager manager = net.manager();
            WeightsLoader.Options how = (lenient ? WeightsLoader.Options.LENIENT : WeightsLoader.Options.STRICT)
                    .withResetClassifier(numClasses != null);
            WeightsLoader.Result loaded = features == null
                    ? WeightsLoader.load(net, weights, how)
                    : WeightsLoader.loadBackbone(net, weights, how);
            System.err.println(loaded.describe());
            if (features != null) return writeFeatures(net, x, outIndices == null ? net.allStages() : outIndices);
            if (runtime.equals("onnx")) {
                float[][] rows = OnnxRuntimeRun.logits(net, deploy, threads, allowNonFinite, x.data(), s);
                long[] shape = segmentation
                        ? new long[] {rows.length, net.numClasses(), s[2], s[3]}
                        : new long[] {rows.length, rows[0].length};
                Npy.write(output, shape, Tensors.flatten(rows));
                System.err.printf(
                        "%s: wrote %s logits to %s (ONNX Runtime%s)%n",
                        model, java.util.Arrays.toString(shape), output, deploy ? ", deploy form" : "");
                return 0;
            }
            if (deploy) net.reparameterize();
            NDArray in = Tensors.fromFloats(manager, x.data(), s);
            NDArray logits = net.predict(in);
            Npy.write(output, logits.getShape().getShape(), Tensors.toFloats(logits));
            System.err.printf("%s: wrote %s logits to %s%n", model, logits.getShape(), output);
        }
        return 0;
    }

    private int writeFeatures(VisionModel net, Npy.Array x, int[] indices) throws Exception {
        long[] s = x.shape();
        Map<String, NDArray> out = new LinkedHashMap<>();
        try (NDManager scope = net.manager().newSubManager()) {
            if (runtime.equals("onnx")) {
                if (deploy) net.reparameterize();
                Path file = Files.createTempFile("hybridvit-features-", ".onnx");
                try {
                    Exporter.exportFeatures(net, file, ExportOptions.defaults().withDynamicBatch(), indices);
                    try (OnnxPredictor p = OnnxPredictor.open(
                            file, OnnxPredictor.Options.defaults().withThreads(threads))) {
                        p.outputs(x.data(), s)
                                .forEach((k, v) -> out.put(k, scope.create(v.data(), new Shape(v.shape()))));
                    }
                } finally {
                    Files.deleteIfExists(file);
                }
            } else {
                if (deploy) net.reparameterize();
                List<NDArray> maps = net.features(Tensors.fromFloats(scope, x.data(), s), indices);
                for (int k = 0; k < indices.length; k++) out.put(Exporter.featureName(indices[k]), maps.get(k));
            }
            Npz.write(features, out);
            StringBuilder shapes = new StringBuilder();
            out.forEach((k, v) -> shapes.append(' ').append(k).append(v.getShape()));
            System.err.printf(
                    "%s: wrote%s to %s%s%n", model, shapes, features, runtime.equals("onnx") ? " (ONNX Runtime)" : "");
        }
        return 0;
    }
}
