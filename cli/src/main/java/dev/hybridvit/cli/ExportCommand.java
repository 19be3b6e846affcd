package dev.hybridvit.cli;

import dev.hybridvit.export.ExportOptions;
import dev.hybridvit.export.Exporter;
import dev.hybridvit.export.onnx.OnnxGraph;
import dev.hybridvit.export.quant.CalibrationMethod;
import dev.hybridvit.export.quant.Precision;
import dev.hybridvit.export.quant.QuantOptions;
import dev.hybridvit.export.quant.Quantization;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.function.IntConsumer;
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
            names = "--precision",
            defaultValue = "fp32",
            description = "fp32, fp16 (float16 weights and activations) or int8 (static QDQ; needs --calibration)"
                    + " (default: ${DEFAULT-VALUE})")
    String precision;

    @Option(
            names = "--calibration",
            paramLabel = "DIR|fashion-mnist",
            description = "int8 calibration images: a folder of images (searched recursively) or fashion-mnist's"
                    + " training split, through the model's own preprocessing")
    String calibration;

    @Option(
            names = "--calibration-images",
            defaultValue = "256",
            paramLabel = "N",
            description = "calibration images to use (default: ${DEFAULT-VALUE})")
    int calibrationImages;

    @Option(
            names = "--calibration-method",
            defaultValue = "percentile",
            description = "minmax, percentile (99.999) or entropy (default: ${DEFAULT-VALUE})")
    String calibrationMethod;

    @Option(
            names = "--int8-attention",
            description = "int8 also for attention's activation × activation MatMuls (default: float)")
    boolean int8Attention;

    @Option(names = "--half-io", description = "fp16: float16 input and output (default: float32 behind casts)")
    boolean halfIo;

    @Override
    public Integer call() throws Exception {
        ExportOptions options =
                ExportOptions.defaults().withDeploy(deploy).withOpset(opset).withBatch(parseBatch(batch));
        Precision p = Precision.parse(precision);
        if (p != Precision.INT8 && calibration != null)
            throw new IllegalArgumentException("--calibration applies to --precision int8 only");
        if (p != Precision.FP16 && halfIo)
            throw new IllegalArgumentException("--half-io applies to --precision fp16 only");
        QuantOptions q = QuantOptions.defaults()
                .withMethod(CalibrationMethod.parse(calibrationMethod))
                .withAttentionScores(int8Attention);
        Quantization.Calibration cal =
                calibration == null ? null : new Quantization.Calibration(calibration, calibrationImages);
        // a project checkpoint brings its own class count, size, class names and training preprocessing
        Exporter.Result r = Exporter.exportWeights(
                model,
                weights,
                onnx,
                options,
                numClasses,
                imgSize,
                Quantization.pass(p, cal, q, halfIo, calibrationProgress(calibrationImages)));
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
                (deploy ? ", deploy form" : "") + (p == Precision.FP32 ? "" : ", " + p.label()));
        return 0;
    }

    /** Calibration progress: a live count on a terminal, a line per tenth otherwise. */
    static IntConsumer calibrationProgress(int total) {
        boolean terminal = System.console() != null;
        return done -> {
            if (terminal) System.err.printf("\rcalibrating: %d/%d images", done, total);
            else if (done % Math.max(1, total / 10) == 0) System.err.printf("calibrating: %d/%d images%n", done, total);
            if (terminal && done == total) System.err.println();
        };
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
