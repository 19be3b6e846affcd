package dev.hybridvit.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hybridvit.data.Interpolation;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.PretrainedTag;
import dev.hybridvit.train.Charts;
import dev.hybridvit.train.SegmentationValidation;
import dev.hybridvit.train.Validation;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code validate}: accuracy of weights on a dataset's validation split. */
@Command(
        name = "validate",
        description = "Top-1/top-5 accuracy and confusion matrix of weights on a dataset (timm's validate.py);"
                + " for a segmentation model (fpn_*) aAcc, mIoU, mAcc and per-class IoU on an ADE20K-layout"
                + " folder's validation split, whole-image or sliding-window (mmseg's test).")
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

    @Option(
            names = "--crop-pct",
            paramLabel = "F",
            description = "centre-crop fraction: the shorter side is resized to floor(size / F) "
                    + "(default: the checkpoint's or the model's)")
    Double cropPct;

    @Option(
            names = "--interpolation",
            paramLabel = "NAME",
            description = "resize filter: bicubic, bilinear or nearest, as PIL (default: the checkpoint's or bicubic)")
    String interpolation;

    @Option(
            names = "--mean",
            arity = "1..3",
            paramLabel = "M",
            description = "per-channel mean, 1 or 3 values (default: ImageNet's 0.485 0.456 0.406)")
    float[] mean;

    @Option(
            names = "--std",
            arity = "1..3",
            paramLabel = "S",
            description = "per-channel std, 1 or 3 values (default: ImageNet's 0.229 0.224 0.225)")
    float[] std;

    @Option(names = "--use-ema", description = "evaluate the checkpoint's EMA weights when it has them")
    boolean useEma;

    @Option(
            names = "--results-file",
            paramLabel = "F",
            description = "also write the result to F: CSV (.csv) or JSON (.json)")
    Path resultsFile;

    @Mixin
    SegmentationInferenceOptions segmentation = new SegmentationInferenceOptions();

    @Option(
            names = "--reduce-zero-label",
            description = "segmentation: label 0 is ignored and the others move down by one (ADE20K's own files)")
    boolean reduceZeroLabel;

    @Override
    public Integer call() throws Exception {
        if (isSegmentation()) return validateSegmentation();
        ResultsFile.check(resultsFile);
        if (cropPct != null && !(cropPct > 0 && cropPct <= 1))
            throw new IllegalArgumentException("--crop-pct must be in (0, 1], got " + cropPct);
        Validation.Options overrides = new Validation.Options(
                cropPct,
                interpolation == null ? null : Interpolation.parse(interpolation),
                channels("--mean", mean),
                channels("--std", std),
                useEma);
        PretrainedTag tag = pretrained == null ? null : ModelRegistry.pretrained(pretrained);
        if (tag != null) PretrainedOption.model(tag, model);
        Validation.Report r = tag != null
                ? Validation.run(tag, weights, dataset, batchSize, workers, valSubset, overrides)
                : Validation.run(model, weights, dataset, imgSize, batchSize, workers, valSubset, overrides);
        if (resultsFile != null) ResultsFile.write(resultsFile, List.of(summary(r)), summary(r));
        Path png = null;
        if (confusion) {
            png = confusionPng != null ? confusionPng : weights.toAbsolutePath().resolveSibling("confusion.png");
            Charts.confusion(r.result().confusion(), r.classes(), png);
        }
        if (json) {
            Map<String, Object> m = summary(r);
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

    private boolean isSegmentation() throws java.io.IOException {
        String name = dev.hybridvit.weights.Checkpoint.info(weights)
                .map(dev.hybridvit.weights.Checkpoint.Info::model)
                .orElse(model);
        return name != null && name.startsWith(dev.hybridvit.models.segmentation.SemanticFPN.PREFIX);
    }

    private int validateSegmentation() throws Exception {
        var inference = segmentation.resolve(segmentationSize());
        SegmentationValidation.Report r =
                SegmentationValidation.run(model, weights, Path.of(dataset), reduceZeroLabel, inference, valSubset);
        System.out.printf(
                Locale.ROOT,
                "%s on %s (%d validation images, %s inference)%n",
                r.model(),
                r.dataset(),
                r.images(),
                r.inference().describe());
        SegmentationTrainOptions.printMetrics(r.result(), r.classes());
        return 0;
    }

    private int segmentationSize() throws java.io.IOException {
        var info = dev.hybridvit.weights.Checkpoint.info(weights);
        String name = info.map(dev.hybridvit.weights.Checkpoint.Info::model).orElse(model);
        return info.map(i -> i.options().imageSize(ModelRegistry.get(name)))
                .orElse(ModelRegistry.get(name).defaultImageSize());
    }

    /** timm's {@code validate.py} result row: the accuracies and the preprocessing they were measured with. */
    private Map<String, Object> summary(Validation.Report r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", r.model());
        m.put("dataset", r.dataset());
        m.put("images", r.result().images());
        m.put("top1", r.result().top1());
        m.put("top5", r.result().top5());
        m.put("img_size", r.imageSize());
        m.put("crop_pct", r.preprocessing().cropPct());
        m.put("interpolation", r.preprocessing().interpolation().id());
        m.put("mean", r.preprocessing().mean());
        m.put("std", r.preprocessing().std());
        m.put("use_ema", useEma);
        m.put("weights", weights.toString());
        return m;
    }

    /** 1 value repeated for the three channels, or 3; null stays null. */
    private static float[] channels(String flag, float[] v) {
        if (v == null || v.length == 3) return v;
        if (v.length == 1) return new float[] {v[0], v[0], v[0]};
        throw new IllegalArgumentException(flag + " takes 1 or 3 values, got " + v.length);
    }
}
