package dev.hybridvit.cli;

import dev.hybridvit.train.SegmentationMetrics;
import dev.hybridvit.train.SegmentationTraining;
import dev.hybridvit.train.StopSignal;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;

/**
 * {@code train --task segmentation}'s own flags (mmseg's names where it has them); the shared ones
 * ({@code --model}, {@code --lr}, {@code -b}, {@code --weight-decay}, {@code --seed}, {@code -j},
 * {@code --output}, {@code --resume}, {@code --weights}) come from {@code train}, with mmseg's
 * defaults where the flag is not given.
 */
final class SegmentationTrainOptions {
    private static final SegmentationTraining.Options D =
            SegmentationTraining.Options.defaults(null, SegmentationTraining.SCENES, Path.of("output/train"));

    @Option(
            names = "--data",
            defaultValue = SegmentationTraining.SCENES,
            description = "segmentation: DIR in ADE20K layout (images/{training,validation}/*.jpg, "
                    + "annotations/{training,validation}/*.png), or scenes: Fashion-MNIST scenes written under "
                    + "--output (default: ${DEFAULT-VALUE})")
    String data;

    @Option(names = "--iters", defaultValue = "1000", description = "segmentation: iterations (mmseg: 80000)")
    int iters;

    @Option(
            names = "--crop-size",
            defaultValue = "0",
            description = "segmentation: training crop (default: the model's size, 512 for released backbones)")
    int cropSize;

    @Option(
            names = "--warmup-iters",
            defaultValue = "100",
            description = "segmentation: linear warm-up iterations, ratio 1e-6 (default: ${DEFAULT-VALUE})")
    int warmupIters;

    @Option(names = "--power", defaultValue = "1.0", description = "segmentation: poly power (default: 1.0)")
    double power;

    @Option(
            names = "--eval-interval",
            defaultValue = "200",
            description = "segmentation: validate (mIoU) and checkpoint every N iterations")
    int evalInterval;

    @Option(
            names = "--val-limit",
            defaultValue = "0",
            description = "segmentation: validate on the first N images only (default: all)")
    int valLimit;

    @Option(
            names = "--frozen-stages",
            defaultValue = "0",
            description = "segmentation: freeze the stem and the first N backbone stages (mmseg's frozen_stages)")
    int frozenStages;

    @Option(
            names = "--norm-eval",
            description = "segmentation: keep the backbone's BatchNorms in eval mode (mmseg's norm_eval)")
    boolean normEval;

    @Option(
            names = "--reduce-zero-label",
            description = "segmentation: label 0 is ignored and the others move down by one (ADE20K's own files)")
    boolean reduceZeroLabel;

    @Option(
            names = "--scenes",
            defaultValue = "2000",
            description = "segmentation: training scenes to write for --data scenes (validation: a quarter)")
    int scenes;

    @Option(names = "--stop-after-iter", defaultValue = "0", hidden = true)
    int stopAfterIter;

    Integer run(TrainCommand t, ParseResult given) throws Exception {
        boolean b = given.hasMatchedOption("-b"),
                lr = given.hasMatchedOption("--lr"),
                wd = given.hasMatchedOption("--weight-decay");
        SegmentationTraining.Options o = new SegmentationTraining.Options(
                t.model,
                data,
                reduceZeroLabel,
                cropSize,
                b ? t.batchSize : D.batchSize(),
                iters,
                lr ? t.lr : D.lr(),
                wd ? t.weightDecay : D.weightDecay(),
                warmupIters,
                power,
                evalInterval,
                valLimit,
                frozenStages,
                normEval,
                scenes,
                t.seed,
                t.workers,
                t.output,
                t.resume,
                t.weights,
                stopAfterIter);
        if (o.batchSize() < 1 || iters < 1 || evalInterval < 1 || scenes < 4)
            throw new IllegalArgumentException("--batch-size, --iters and --eval-interval must be ≥ 1, --scenes ≥ 4");
        try (StopSignal stop = StopSignal.onShutdown()) {
            SegmentationTraining.Result r = SegmentationTraining.run(o, new ConsoleProgress(System.out, 1), stop);
            if (r.stoppedAt() >= 0) {
                System.out.println("interrupted; resume with:");
                System.out.println("  ./hybridvit " + TrainCommand.resumeCommand(given.originalArgs(), r.last()));
                return TrainCommand.INTERRUPTED;
            }
            System.out.printf(
                    Locale.ROOT,
                    "best val mIoU %.4f at iteration %d; checkpoints %s, %s; wall %.0f s%n",
                    r.bestMIoU(),
                    r.bestIter(),
                    r.best(),
                    r.last(),
                    r.wallSeconds());
            if (r.finalEval() != null) printMetrics(r.finalEval(), r.classes());
            return 0;
        }
    }

    /** aAcc, mIoU, mAcc and a per-class IoU / Acc table, as mmseg prints them. */
    static void printMetrics(SegmentationMetrics.Result m, List<String> classes) {
        System.out.printf(
                Locale.ROOT, "aAcc %.2f  mIoU %.2f  mAcc %.2f%n", 100 * m.aAcc(), 100 * m.mIoU(), 100 * m.mAcc());
        int width = Math.max(5, classes.stream().mapToInt(String::length).max().orElse(5));
        System.out.printf(Locale.ROOT, "%-" + width + "s  %6s  %6s%n", "class", "IoU", "Acc");
        for (int c = 0; c < classes.size(); c++)
            System.out.printf(
                    Locale.ROOT,
                    "%-" + width + "s  %6s  %6s%n",
                    classes.get(c),
                    percent(m.iou().get(c)),
                    percent(m.acc().get(c)));
    }

    private static String percent(double v) {
        return Double.isNaN(v) ? "nan" : String.format(Locale.ROOT, "%.2f", 100 * v);
    }
}
