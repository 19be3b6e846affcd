package dev.hybridvit.cli;

import ai.onnx.proto.OnnxMl.ModelProto;
import dev.hybridvit.data.Preprocessing;
import dev.hybridvit.export.DjlServing;
import dev.hybridvit.export.ExportOptions;
import dev.hybridvit.export.Exporter;
import dev.hybridvit.export.onnx.OnnxGraph;
import dev.hybridvit.export.quant.CalibrationImages;
import dev.hybridvit.export.quant.CalibrationMethod;
import dev.hybridvit.export.quant.Int8Report;
import dev.hybridvit.export.quant.Precision;
import dev.hybridvit.export.quant.QuantOptions;
import dev.hybridvit.export.quant.Quantization;
import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.ModelSpec;
import dev.hybridvit.models.PretrainedTag;
import dev.hybridvit.models.VisionModel;
import dev.hybridvit.weights.WeightsLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.IntConsumer;
import java.util.function.UnaryOperator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code export MODEL --weights F --onnx OUT}: the model as an ONNX file for ORT / TensorRT / other runtimes,
 * and beside it the manifest and class list DJL's image classification translator reads.
 */
@Command(
        name = "export",
        description =
                "Export a model with its weights to ONNX (input 'input' N×3×H×W, output 'logits'); "
                        + "beside it serving.properties and synset.txt, which DJL's ImageClassificationTranslatorFactory reads.")
final class ExportCommand implements Callable<Integer> {
    @Parameters(
            arity = "0..1",
            paramLabel = "MODEL",
            description = "registered model (may be left out with --pretrained)")
    String model;

    @Option(
            names = "--pretrained",
            paramLabel = "TAG",
            description =
                    "the --weights file holds these released weights (`models --pretrained` lists the tags): "
                            + "their model, input size and preprocessing go into the export, a file that does not fit is rejected")
    String pretrained;

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

    @Option(names = "--num-classes", description = "classifier outputs (default: 1000; 150 for a segmentation model)")
    int numClasses;

    @Option(
            names = "--opset",
            description = "ONNX opset (default: ${DEFAULT-VALUE}); an int8 graph is raised to 20 for its Gelu ops"
                    + " when its other ops read the same there")
    int opset = OnnxGraph.DEFAULT_OPSET;

    @Option(
            names = "--features",
            description = "export the headless backbone's stage outputs (outputs stage0 … stage3, N×C×H×W) instead"
                    + " of the logits")
    boolean features;

    @Option(names = "--out-indices", split = ",", description = "with --features: the stages to output (default: all)")
    int[] outIndices;

    @Option(
            names = "--extra-norms",
            description =
                    "with --features: Next-ViT's dense backbone (extra_norm_list.* and norm on the stage outputs)")
    boolean extraNorms;

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

    @Option(
            names = "--int8-residuals",
            description = "int8 also for the Adds of two computed tensors (residuals), as QLinearAdd (default: float)")
    boolean int8Residuals;

    @Option(
            names = "--int8-report",
            paramLabel = "DIR",
            description = "int8: compare with float32 on the images in DIR (top-1 agreement, logit cosine)")
    Path int8Report;

    @Option(
            names = "--sensitivity",
            description =
                    "with --int8-report: also quantize each block alone and list the blocks by the cosine they lose")
    boolean sensitivity;

    @Option(names = "--half-io", description = "fp16: float16 input and output (default: float32 behind casts)")
    boolean halfIo;

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
        if (features) return exportFeatures(options);
        FeatureFlags.check(null, false, outIndices, extraNorms);
        Precision p = Precision.parse(precision);
        options = options.withChannelsLast(p == Precision.INT8);
        if (p != Precision.INT8 && calibration != null)
            throw new IllegalArgumentException("--calibration applies to --precision int8 only");
        if (p != Precision.FP16 && halfIo)
            throw new IllegalArgumentException("--half-io applies to --precision fp16 only");
        QuantOptions q = QuantOptions.defaults()
                .withMethod(CalibrationMethod.parse(calibrationMethod))
                .withAttentionScores(int8Attention)
                .withResidualAdds(int8Residuals);
        Quantization.Calibration cal =
                calibration == null ? null : new Quantization.Calibration(calibration, calibrationImages);
        if ((int8Report != null || sensitivity) && p != Precision.INT8)
            throw new IllegalArgumentException("--int8-report and --sensitivity apply to --precision int8 only");
        if (sensitivity && int8Report == null)
            throw new IllegalArgumentException("--sensitivity needs --int8-report DIR");
        List<float[]> reportImages = null;
        if (int8Report != null) {
            if (!Files.isDirectory(int8Report))
                throw new IllegalArgumentException("--int8-report " + int8Report + ": not a folder");
            if (options.batch() != 1) throw new IllegalArgumentException("--int8-report needs --batch 1");
        }
        ModelProto[] graphs = new ModelProto[2]; // float32, int8
        UnaryOperator<ModelProto> pass = Quantization.pass(p, cal, q, halfIo, calibrationProgress(calibrationImages));
        UnaryOperator<ModelProto> keep = m -> {
            graphs[0] = m;
            return graphs[1] = pass.apply(m);
        };
        // a project checkpoint brings its own class count, size, class names and training preprocessing
        PretrainedTag tag = pretrained == null ? null : ModelRegistry.pretrained(pretrained);
        model = PretrainedOption.model(tag, model);
        Exporter.Result r = tag != null
                ? Exporter.exportPretrained(tag, weights, onnx, options, keep)
                : Exporter.exportWeights(model, weights, onnx, options, numClasses, imgSize, keep);
        List<Path> djl = DjlServing.write(onnx, r.metadata());
        System.err.printf(
                "%s: wrote %s (%,d bytes, %d nodes, input %s×3×%d×%d, opset %d%s)%n",
                model,
                onnx,
                r.bytes(),
                r.nodes(),
                options.dynamicBatch() ? "batch" : Integer.toString(options.batch()),
                r.imageSize(),
                r.imageSize(),
                Quantization.opset(graphs[1]),
                (deploy ? ", deploy form" : "") + (p == Precision.FP32 ? "" : ", " + p.label()));
        System.err.printf("wrote %s and %s for DJL's image classification translator%n", djl.get(0), djl.get(1));
        if (int8Report != null) report(graphs[0], graphs[1], cal, q);
        return 0;
    }

    private int exportFeatures(ExportOptions options) throws Exception {
        ModelSpec spec = ModelRegistry.get(model);
        FeatureFlags.check(spec, true, outIndices, extraNorms);
        try (VisionModel net =
                spec.create(ModelOptions.defaults().withImageSize(imgSize).headless(extraNorms), 0)) {
            System.err.println(WeightsLoader.loadBackbone(net, weights, WeightsLoader.Options.STRICT)
                    .describe());
            int[] indices = outIndices == null ? net.allStages() : outIndices;
            Exporter.Result r = Exporter.exportFeatures(net, onnx, options, indices);
            System.err.printf(
                    "%s: wrote %s (%,d bytes, %d nodes, outputs %s, input %s×3×%d×%d)%n",
                    model,
                    onnx,
                    r.bytes(),
                    r.nodes(),
                    java.util.Arrays.stream(indices)
                            .mapToObj(Exporter::featureName)
                            .toList(),
                    options.dynamicBatch() ? "batch" : Integer.toString(options.batch()),
                    r.imageSize(),
                    r.imageSize());
        }
        return 0;
    }

    /** int8 against float32 on the --int8-report images, and with --sensitivity per block. */
    private void report(ModelProto floatModel, ModelProto int8, Quantization.Calibration cal, QuantOptions q)
            throws java.io.IOException {
        Map<String, String> meta = Quantization.metadata(floatModel);
        ModelSpec spec = ModelRegistry.get(meta.get("model"));
        Preprocessing pre = Preprocessing.fromMetadata(meta, onnx.toString());
        List<float[]> images = CalibrationImages.folder(int8Report, pre, 1000);
        Int8Report.Agreement a = Int8Report.compare(floatModel, int8, images);
        System.out.printf(
                Locale.ROOT,
                "int8 vs float32 on %d images of %s: top-1 agreement %.2f%%, logit cosine mean %.5f, min %.5f%n",
                a.images(),
                int8Report,
                100 * a.top1Agreement(),
                a.meanCosine(),
                a.minCosine());
        if (!sensitivity) return;
        List<float[]> calibration = CalibrationImages.load(cal.source(), spec, pre, cal.images());
        int blocks = Int8Report.blocks(floatModel, q);
        List<Int8Report.Row> rows = Int8Report.sensitivity(floatModel, calibration, images, q, done -> {
            if (done % Math.max(1, blocks / 10) == 0 || done == blocks)
                System.err.printf("sensitivity: %d/%d blocks%n", done, blocks);
        });
        System.out.println("| block quantized alone | layers | top-1 agreement | logit cosine mean | min |");
        System.out.println("|---|---|---|---|---|");
        for (Int8Report.Row row : rows) {
            System.out.printf(
                    Locale.ROOT,
                    "| `%s` | %d | %.2f%% | %.5f | %.5f |%n",
                    row.block(),
                    row.layers(),
                    100 * row.agreement().top1Agreement(),
                    row.agreement().meanCosine(),
                    row.agreement().minCosine());
        }
    }

    /** Calibration progress: a live count on a terminal, a line per tenth otherwise. */
    static IntConsumer calibrationProgress(int total) {
        boolean terminal = System.console() != null;
        return done -> {
            if (terminal) System.err.printf("\rcalibrating: %d/%d images", done, total);
            else if (done % Math.max(1, total / 10) == 0 || done == total)
                System.err.printf("calibrating: %d/%d images%n", done, total);
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
