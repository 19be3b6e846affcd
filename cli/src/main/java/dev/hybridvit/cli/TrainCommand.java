package dev.hybridvit.cli;

import dev.hybridvit.data.Augmentation;
import dev.hybridvit.data.RandomResizedCrop;
import dev.hybridvit.train.StopSignal;
import dev.hybridvit.train.TrainingRun;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code train}: timm-style training on Fashion-MNIST or an ImageFolder directory, or with
 * {@code --task segmentation} mmseg-style training of a Semantic FPN.
 */
@Command(
        name = "train",
        description = "Train or fine-tune a model (timm flag names); checkpoints last/best, metrics.csv/json, "
                + "curves.png. --task segmentation trains an fpn_* model on an ADE20K-layout folder or on "
                + "Fashion-MNIST scenes (mmseg's recipe). Ctrl-C writes a resumable last.safetensors and prints "
                + "the --resume command.")
final class TrainCommand implements Callable<Integer> {
    @Option(names = "--model", description = "registered model name (see `models`); optional with --resume")
    String model;

    @Option(
            names = "--task",
            defaultValue = "classification",
            description = "classification or segmentation (default: ${DEFAULT-VALUE})")
    String task;

    @Option(
            names = "--dataset",
            description = "classification: fashion-mnist, or DIR in ImageFolder layout (DIR/train + DIR/val, or"
                    + " DIR/<class>/)")
    String dataset;

    @Mixin
    SegmentationTrainOptions segmentation;

    @Option(names = "--img-size", description = "input resolution (default: the model's native size)")
    int imgSize;

    @Option(
            names = {"-b", "--batch-size"},
            defaultValue = "128")
    int batchSize;

    @Option(
            names = "--epochs",
            defaultValue = "10",
            description = "training epochs (default: 10; timm's train.py: 300)")
    int epochs;

    @Option(
            names = "--lr",
            defaultValue = "2e-3",
            description = "AdamW peak learning rate (default: 2e-3; timm's train.py defaults to SGD at 0.1 per 256)")
    double lr;

    @Option(names = "--min-lr", defaultValue = "1e-5", description = "cosine floor (default: 1e-5; timm: 0)")
    double minLr;

    @Option(names = "--warmup-lr", defaultValue = "1e-5")
    double warmupLr;

    @Option(
            names = "--warmup-epochs",
            defaultValue = "1",
            description = "linear warm-up epochs (default: 1, for short runs; timm: 5)")
    double warmupEpochs;

    @Option(
            names = "--weight-decay",
            defaultValue = "0.05",
            description = "AdamW weight decay (default: 0.05; timm: 2e-5)")
    double weightDecay;

    @Option(names = "--smoothing", defaultValue = "0.1", description = "label smoothing")
    double smoothing;

    @Option(names = "--drop-path", defaultValue = "-1", description = "stochastic depth rate (default: the variant's)")
    double dropPath;

    @Option(
            names = "--model-ema-decay",
            defaultValue = "0",
            description =
                    "EMA of the weights, e.g. 0.9998 (default: 0, off; timm: off unless --model-ema, then 0.9998)")
    double emaDecay;

    @Option(
            names = "--clip-grad",
            defaultValue = "5.0",
            description = "global gradient-norm clip (default: 5.0; 0: off; timm: off)")
    double clipGrad;

    @Option(names = "--seed", defaultValue = "42")
    long seed;

    @Option(
            names = {"-j", "--workers"},
            defaultValue = "1",
            description = "data loading threads (default: 1; timm: 4)")
    int workers;

    @Option(names = "--output", defaultValue = "output/train", description = "directory for checkpoints and metrics")
    Path output;

    @Option(names = "--resume", description = "continue from a checkpoint written by train (last.safetensors)")
    Path resume;

    @Option(names = "--weights", description = "initial weights to fine-tune from (classifier re-initialised)")
    Path weights;

    @Option(names = "--num-classes", description = "classes (checked against the dataset)")
    Integer numClasses;

    @Option(names = "--train-subset", defaultValue = "0", description = "use only the first N training images")
    int trainSubset;

    @Option(names = "--val-subset", defaultValue = "0", description = "use only the first N validation images")
    int valSubset;

    @Option(
            names = "--aa",
            paramLabel = "CONFIG",
            description = "RandAugment, timm's syntax, e.g. rand-m9-mstd0.5 (default: off)")
    String aa;

    @Option(names = "--reprob", defaultValue = "0", description = "random erasing probability (default: 0, off)")
    double reprob;

    @Option(
            names = "--remode",
            defaultValue = "pixel",
            description = "random erasing fill: pixel, rand, const (default: pixel)")
    String remode;

    @Option(
            names = "--recount",
            defaultValue = "1",
            description = "random erasing boxes per image, at most (default: 1)")
    int recount;

    @Option(names = "--mixup", defaultValue = "0", description = "mixup Beta α (default: 0, off), e.g. 0.8")
    double mixup;

    @Option(names = "--cutmix", defaultValue = "0", description = "cutmix Beta α (default: 0, off), e.g. 1.0")
    double cutmix;

    @Option(names = "--mixup-prob", defaultValue = "1.0", description = "probability of mixing a batch (default: 1.0)")
    double mixupProb;

    @Option(
            names = "--mixup-switch-prob",
            defaultValue = "0.5",
            description = "probability of cutmix instead of mixup when both are on (default: 0.5)")
    double mixupSwitchProb;

    @Option(
            names = "--mixup-off-epoch",
            defaultValue = "0",
            description = "stop mixing from this epoch (default: 0, never)")
    int mixupOffEpoch;

    @Option(
            names = "--scale",
            arity = "2",
            paramLabel = "F",
            description = "RandomResizedCrop area range, e.g. 0.08 1.0 (default: "
                    + "0.08 1.0 for an ImageFolder, small shifts for fashion-mnist)")
    double[] scale;

    @Option(
            names = "--ratio",
            arity = "2",
            paramLabel = "F",
            description = "RandomResizedCrop aspect-ratio range (default: 0.75 1.3333)")
    double[] ratio;

    @Option(
            names = "--hflip",
            paramLabel = "P",
            description = "probability of a left-right flip (default: 0.5 for an ImageFolder,"
                    + " 0 for fashion-mnist, whose shoes and bags all face one way)")
    Double hflip;

    @Spec
    CommandSpec spec;

    @Option(
            names = "--stop-after-epoch",
            defaultValue = "0",
            hidden = true,
            description = "stop after epoch N (the schedule still spans --epochs); continue with --resume")
    int stopAfterEpoch;

    @Override
    public Integer call() throws Exception {
        if (task.equals("segmentation"))
            return segmentation.run(this, spec.commandLine().getParseResult());
        if (!task.equals("classification"))
            throw new IllegalArgumentException("--task " + task + ": expected classification or segmentation");
        if (dataset == null) throw new IllegalArgumentException("--dataset is required for classification");
        if (batchSize < 1 || epochs < 1 || workers < 1)
            throw new IllegalArgumentException("--batch-size, --epochs and --workers must be ≥ 1");
        RandomResizedCrop crop = scale == null && ratio == null
                ? null
                : new RandomResizedCrop(
                        scale == null ? RandomResizedCrop.DEFAULT.scaleMin() : scale[0],
                                scale == null ? RandomResizedCrop.DEFAULT.scaleMax() : scale[1],
                        ratio == null ? RandomResizedCrop.DEFAULT.ratioMin() : ratio[0],
                                ratio == null ? RandomResizedCrop.DEFAULT.ratioMax() : ratio[1]);
        Augmentation augmentation = new Augmentation(
                aa, reprob, remode, recount, mixup, cutmix, mixupProb, mixupSwitchProb, mixupOffEpoch, crop, hflip);
        TrainingRun.Options o = new TrainingRun.Options(
                model,
                dataset,
                imgSize,
                batchSize,
                epochs,
                lr,
                minLr,
                warmupLr,
                warmupEpochs,
                weightDecay,
                smoothing,
                dropPath,
                emaDecay,
                clipGrad,
                seed,
                workers,
                output,
                resume,
                weights,
                numClasses,
                trainSubset,
                valSubset,
                stopAfterEpoch,
                augmentation);
        // Ctrl-C: the step under way completes, last.safetensors is written, then the JVM exits (status 130)
        try (StopSignal stop = StopSignal.onShutdown()) {
            TrainingRun.Result r = TrainingRun.run(o, new ConsoleProgress(System.out, epochs), stop);
            if (r.stopped() != null) {
                System.out.println("interrupted; resume with:");
                System.out.println("  ./hybridvit "
                        + resumeCommand(spec.commandLine().getParseResult().originalArgs(), r.last()));
                return INTERRUPTED;
            }
            System.out.printf(
                    Locale.ROOT,
                    "best val top-1 %.4f at epoch %d; checkpoints %s, %s; curves %s; wall %.0f s%n",
                    r.bestTop1(),
                    r.bestEpoch(),
                    r.best(),
                    r.last(),
                    output.resolve(TrainingRun.CURVES),
                    r.wallSeconds());
            return 0;
        }
    }

    /** Exit status of a run stopped by Ctrl-C (128 + SIGINT, as shells report it). */
    static final int INTERRUPTED = 130;

    /** The same {@code train} command line ({@code args} as given to the CLI) with {@code --resume LAST} instead of any earlier one. */
    static String resumeCommand(List<String> args, Path last) {
        StringBuilder sb = new StringBuilder("train");
        for (int i = args.indexOf("train") + 1; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--resume")) {
                i++;
                continue;
            }
            if (a.startsWith("--resume=")) continue;
            sb.append(' ').append(quote(a));
        }
        return sb.append(" --resume ").append(quote(last.toString())).toString();
    }

    private static String quote(String s) {
        return s.matches("[A-Za-z0-9_./=:,+@%-]+") ? s : "'" + s.replace("'", "'\\''") + "'";
    }
}
