package dev.hybridvit.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.hybridvit.infer.OnnxRuntimeRun;
import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.ModelSpec;
import dev.hybridvit.models.VisionModel;
import dev.hybridvit.tensor.Finite;
import dev.hybridvit.tensor.Tensors;
import dev.hybridvit.weights.Npy;
import dev.hybridvit.weights.WeightsLoader;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code run MODEL --weights F --input X.npy --output Y.npy}: forward a raw NCHW float32 tensor
 * and write the logits — the parity tool against a PyTorch run of the same weights.
 */
@Command(name = "run", description = "Forward a raw NCHW float32 .npy tensor and write the logits as .npy.")
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

    @Option(names = "--output", required = true, description = "where to write the N×classes logits (.npy)")
    Path output;

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
        Npy.Array x = Npy.read(input);
        long[] s = x.shape();
        if (!allowNonFinite) Finite.require(x.data(), s, input.toString());
        int size = imgSize > 0 ? imgSize : s.length == 4 ? (int) s[2] : 0;
        if (imgSize > 0 && s.length == 4 && (s[2] != imgSize || s[3] != imgSize)) {
            throw new IllegalArgumentException(
                    input + ": tensor is " + s[2] + "×" + s[3] + " but --img-size is " + imgSize);
        }
        ModelOptions options = ModelOptions.defaults()
                .withNumClasses(numClasses == null ? 1000 : numClasses)
                .withImageSize(size);
        try (VisionModel net = spec.create(options, 0)) {
            try {
                net.checkInputShape(s);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(input + ": " + e.getMessage(), e);
            }
            NDManager manager = net.manager();
            WeightsLoader.Options how = (lenient ? WeightsLoader.Options.LENIENT : WeightsLoader.Options.STRICT)
                    .withResetClassifier(numClasses != null);
            WeightsLoader.Result loaded = WeightsLoader.load(net, weights, how);
            System.err.println(loaded.describe());
            if (runtime.equals("onnx")) {
                float[][] rows = OnnxRuntimeRun.logits(net, deploy, threads, allowNonFinite, x.data(), s);
                Npy.write(output, new long[] {rows.length, rows[0].length}, Tensors.flatten(rows));
                System.err.printf(
                        "%s: wrote (%d, %d) logits to %s (ONNX Runtime%s)%n",
                        model, rows.length, rows[0].length, output, deploy ? ", deploy form" : "");
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
}
