package dev.hybridvit.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hybridvit.data.ImageFiles;
import dev.hybridvit.infer.Predictor;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.PretrainedTag;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code predict MODEL --weights F IMAGE|DIR... [--runtime torch|onnx]}: classify image files. */
@Command(
        name = "predict",
        description = "Classify JPEG/PNG images with the model's preprocessing; top-k classes with probabilities, "
                + "in eager libtorch or ONNX Runtime.")
final class PredictCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "registered model (may be left out with --pretrained)")
    String model;

    @Parameters(
            index = "1..*",
            arity = "0..*",
            paramLabel = "IMAGE",
            description = "image files, or directories searched recursively for .jpg/.jpeg/.png/.bmp/.gif")
    List<Path> inputs = new ArrayList<>();

    @Option(
            names = "--pretrained",
            paramLabel = "TAG",
            description = "the --weights file holds these released weights (`models --pretrained` lists the tags): "
                    + "their model, input size and preprocessing apply, and a file that does not fit is rejected")
    String pretrained;

    @Option(
            names = "--results-file",
            paramLabel = "F",
            description = "also write the predictions to F: CSV (.csv, one row per image and rank) or JSON (.json)")
    Path resultsFile;

    @Option(
            names = "--weights",
            required = true,
            description =
                    "a train checkpoint (carries class names), other weights, or an exported .onnx file (runs in ONNX Runtime)")
    Path weights;

    @Option(names = "--topk", defaultValue = "5")
    int topk;

    @Option(names = "--num-classes", description = "classifier size for plain weights (default 1000)")
    Integer numClasses;

    @Option(names = "--img-size", description = "input size for plain weights (default: native)")
    int imgSize;

    @Option(names = "--json", description = "machine-readable output")
    boolean json;

    @Option(
            names = "--runtime",
            description = "torch (eager libtorch) or onnx (deploy-form export in ONNX Runtime) "
                    + "(default: onnx for an .onnx file, torch otherwise)")
    String runtime;

    private static Map<String, Object> row(Predictor.Prediction r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("index", r.index());
        m.put("label", r.label());
        m.put("probability", r.probability());
        return m;
    }

    @Override
    public Integer call() throws Exception {
        if (topk < 1) throw new IllegalArgumentException("--topk must be ≥ 1");
        ResultsFile.check(resultsFile);
        PretrainedTag tag = pretrained == null ? null : ModelRegistry.pretrained(pretrained);
        if (tag != null) inputs = PretrainedOption.imagesAfterModel(tag, model, inputs);
        if (inputs.isEmpty()) throw new IllegalArgumentException("name at least one IMAGE");
        List<Path> images = new ArrayList<>();
        for (Path in : inputs) {
            if (!Files.isDirectory(in)) {
                images.add(in);
                continue;
            }
            List<Path> found = ImageFiles.listImages(in);
            if (found.isEmpty())
                throw new IllegalArgumentException(
                        in + ": no images (" + String.join(" ", ImageFiles.EXTENSIONS) + ") in this directory");
            images.addAll(found);
        }
        Predictor.Runtime rt = runtime == null ? null : Predictor.Runtime.parse(runtime);
        try (Predictor p = tag != null
                ? Predictor.open(tag, weights, rt)
                : Predictor.open(model, weights, numClasses, imgSize, rt)) {
            List<List<Predictor.Prediction>> results = p.predict(images, topk);
            List<Map<String, Object>> out = new ArrayList<>();
            List<Map<String, Object>> csv = new ArrayList<>();
            for (int i = 0; i < images.size(); i++) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("image", images.get(i).toString());
                m.put("top", results.get(i).stream().map(PredictCommand::row).toList());
                out.add(m);
                for (int k = 0; k < results.get(i).size(); k++) {
                    Map<String, Object> line = new LinkedHashMap<>();
                    line.put("image", images.get(i).toString());
                    line.put("rank", k + 1);
                    line.putAll(row(results.get(i).get(k)));
                    csv.add(line);
                }
            }
            if (resultsFile != null) ResultsFile.write(resultsFile, csv, out);
            if (json) {
                System.out.println(
                        new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(out));
                return 0;
            }
            for (int i = 0; i < images.size(); i++) {
                System.out.println(images.get(i));
                for (Predictor.Prediction r : results.get(i)) {
                    System.out.printf(Locale.ROOT, "  %6.2f%%  %s%n", 100 * r.probability(), r.label());
                }
            }
        }
        return 0;
    }
}
