package dev.hybridvit.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.PretrainedTag;
import dev.hybridvit.train.Charts;
import dev.hybridvit.train.Validation;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code validate}: accuracy of weights on a dataset's validation split. */
@Command(
        name = "validate",
        description = "Top-1/top-5 accuracy and confusion matrix of weights on a dataset (timm's validate.py).")
final class ValidateCommand implements Callable<Integer> {
    @Option(names = "--model", description = "model name (optional for a hybridvit checkpoint)")
    String model;

    @Option(names = "--weights", required = true, description = "a train checkpoint or other weights")
    Path weights;

    @Option(
            names = "--pretrained",
            paramLabel = "TAG",
            description = "the --weights file holds these released weights (`models --pretrained` lists the tags): "
                    + "their model, input size and preprocessing apply, a file that does not fit is rejected")
    String pretrained;

    @Option(names = "--dataset", required = true, description = "fashion-mnist, or DIR in ImageFolder layout")
    String dataset;

    @Option(names = "--img-size", description = "input resolution (default: the checkpoint's or the model's)")
    int imgSize;

    @Option(
            names = {"-b", "--batch-size"},
            defaultValue = "200")
    int batchSize;

    @Option(
            names = {"-j", "--workers"},
            defaultValue = "1")
    int workers;

    @Option(names = "--val-subset", defaultValue = "0", description = "use only the first N validation images")
    int valSubset;

    @Option(names = "--confusion", description = "print the confusion matrix and draw it as a PNG heat map")
    boolean confusion;

    @Option(
            names = "--confusion-png",
            paramLabel = "F.png",
            description = "where --confusion draws (default: confusion.png beside the weights)")
    Path confusionPng;

    @Option(names = "--json", description = "machine-readable output")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PretrainedTag tag = pretrained == null ? null : ModelRegistry.pretrained(pretrained);
        if (tag != null) PretrainedOption.model(tag, model);
        Validation.Report r = tag != null
                ? Validation.run(tag, weights, dataset, batchSize, workers, valSubset)
                : Validation.run(model, weights, dataset, imgSize, batchSize, workers, valSubset);
        Path png = null;
        if (confusion) {
            png = confusionPng != null ? confusionPng : weights.toAbsolutePath().resolveSibling("confusion.png");
            Charts.confusion(r.result().confusion(), r.classes(), png);
        }
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("model", r.model());
            m.put("dataset", r.dataset());
            m.put("images", r.result().images());
            m.put("top1", r.result().top1());
            m.put("top5", r.result().top5());
            m.put("classes", r.classes());
            m.put("confusion", r.result().confusion());
            if (png != null) m.put("confusion_png", png.toString());
            System.out.println(
                    new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(m));
            return 0;
        }
        System.out.printf(
                Locale.ROOT,
                "%s on %s (%d images at %d px): top-1 %.4f  top-5 %.4f%n",
                r.model(),
                r.dataset(),
                r.result().images(),
                r.imageSize(),
                r.result().top1(),
                r.result().top5());
        if (confusion) {
            long[][] c = r.result().confusion();
            System.out.println("confusion (rows: true class, columns: predicted)");
            for (int i = 0; i < c.length; i++) {
                StringBuilder line = new StringBuilder(
                        String.format(Locale.ROOT, "%-14.14s", r.classes().get(i)));
                for (long v : c[i]) line.append(String.format(Locale.ROOT, "%6d", v));
                System.out.println(line);
            }
            System.out.println("wrote " + png);
        }
        return 0;
    }
}
