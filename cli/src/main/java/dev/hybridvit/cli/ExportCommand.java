package dev.hybridvit.cli;

import dev.hybridvit.export.ExportOptions;
import dev.hybridvit.export.Exporter;
import dev.hybridvit.export.onnx.OnnxGraph;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code export MODEL --weights F --onnx OUT}: the model as an ONNX file for ORT / TensorRT / other runtimes. */
@Command(
        name = "export",
        description = "Export a model with its weights to ONNX (input 'input' N×3×H×W, output 'logits').")
final class ExportCommand implements Callable<Integer> {
    @Parameters(paramLabel = "MODEL")
    String model;

    @Option(
            names = "--weights",
            required = true,
            description = "weights: .safetensors, .pth/.pt/.bin, .npz or a project checkpoint")
    Path weights;

    @Option(names = "--onnx", required = true, paramLabel = "OUT", description = "where to write the .onnx file")
    Path onnx;

    @Option(names = "--deploy", description = "reparameterise and fold every conv-following BatchNorm into the conv")
    boolean deploy;

    @Option(
            names = "--batch",
            defaultValue = "1",
            description = "fixed batch size N, or 'dynamic' (default: ${DEFAULT-VALUE})")
    String batch;

    @Option(names = "--img-size", description = "input resolution (default: the model's native size)")
    int imgSize;

    @Option(names = "--num-classes", description = "classifier outputs (default: ${DEFAULT-VALUE})")
    int numClasses = 1000;

    @Option(names = "--opset", description = "ONNX opset (default: ${DEFAULT-VALUE})")
    int opset = OnnxGraph.DEFAULT_OPSET;

    @Option(
            names = "--embedding",
            description =
                    "add a second output 'embedding': the pooled features the classifier reads (for serve's :embed)")
    boolean embedding;

    @Override
    public Integer call() throws Exception {
        ExportOptions options = ExportOptions.defaults()
                .withDeploy(deploy)
                .withOpset(opset)
                .withBatch(parseBatch(batch))
                .withEmbedding(embedding);
        // a project checkpoint brings its own class count, size, class names and training preprocessing
        Exporter.Result r = Exporter.exportWeights(model, weights, onnx, options, numClasses, imgSize);
        System.err.printf(
                "%s: wrote %s (%,d bytes, %d nodes, input %s×3×%d×%d, opset %d%s)%n",
                model,
                onnx,
                r.bytes(),
                r.nodes(),
                options.dynamicBatch() ? "batch" : Integer.toString(options.batch()),
                r.imageSize(),
                r.imageSize(),
                opset,
                deploy ? ", deploy form" : "");
        return 0;
    }

    static int parseBatch(String s) {
        if (s.equalsIgnoreCase("dynamic")) return 0;
        try {
            int n = Integer.parseInt(s);
            if (n < 1) throw new NumberFormatException();
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--batch must be a positive integer or 'dynamic', got '" + s + "'");
        }
    }
}
