package dev.hybridvit.cli;

import dev.hybridvit.export.DjlServing;
import dev.hybridvit.export.ExportOptions;
import dev.hybridvit.export.Exporter;
import dev.hybridvit.export.onnx.OnnxGraph;
import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.ModelSpec;
import dev.hybridvit.models.PretrainedTag;
import dev.hybridvit.models.VisionModel;
import dev.hybridvit.weights.WeightsLoader;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
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

    @Option(names = "--opset", description = "ONNX opset (default: ${DEFAULT-VALUE})")
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

    @Override
    public Integer call() throws Exception {
        ExportOptions options =
                ExportOptions.defaults().withDeploy(deploy).withOpset(opset).withBatch(parseBatch(batch));
        if (!features && (outIndices != null || extraNorms))
            throw new IllegalArgumentException("--out-indices and --extra-norms go with --features");
        if (features) return exportFeatures(options);
        // a project checkpoint brings its own class count, size, class names and training preprocessing
        PretrainedTag tag = pretrained == null ? null : ModelRegistry.pretrained(pretrained);
        model = PretrainedOption.model(tag, model);
        Exporter.Result r = tag != null
                ? Exporter.exportPretrained(tag, weights, onnx, options)
                : Exporter.exportWeights(model, weights, onnx, options, numClasses, imgSize);
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
                opset,
                deploy ? ", deploy form" : "");
        System.err.printf("wrote %s and %s for DJL's image classification translator%n", djl.get(0), djl.get(1));
        return 0;
    }

    private int exportFeatures(ExportOptions options) throws Exception {
        ModelSpec spec = ModelRegistry.get(model);
        if (extraNorms && !spec.family().equals("nextvit")) {
            throw new IllegalArgumentException(
                    "--extra-norms: only Next-ViT's dense backbone has extra norms, " + model + " is " + spec.family());
        }
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
