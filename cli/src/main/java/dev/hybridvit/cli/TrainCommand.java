package dev.hybridvit.cli;

import dev.hybridvit.train.TrainingRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code train}: timm-style training on Fashion-MNIST or an ImageFolder directory. */
@Command(name = "train", description = "Train or fine-tune a model (timm flag names); checkpoints last/best, metrics.csv/json.")
final class TrainCommand implements Callable<Integer> {
    @Option(names = "--model", description = "registered model name (see `models`); optional with --resume") String model;
    @Option(names = "--dataset", required = true, description = "fashion-mnist, or DIR in ImageFolder layout (DIR/train + DIR/val, or DIR/<class>/)")
    String dataset;
    @Option(names = "--img-size", description = "input resolution (default: the model's native size)") int imgSize;
    @Option(names = {"-b", "--batch-size"}, defaultValue = "128") int batchSize;
    @Option(names = "--epochs", defaultValue = "10") int epochs;
    @Option(names = "--lr", defaultValue = "2e-3") double lr;
    @Option(names = "--min-lr", defaultValue = "1e-5") double minLr;
    @Option(names = "--warmup-lr", defaultValue = "1e-5") double warmupLr;
    @Option(names = "--warmup-epochs", defaultValue = "1") double warmupEpochs;
    @Option(names = "--weight-decay", defaultValue = "0.05") double weightDecay;
    @Option(names = "--smoothing", defaultValue = "0.1", description = "label smoothing") double smoothing;
    @Option(names = "--drop-path", defaultValue = "-1", description = "stochastic depth rate (default: the variant's)") double dropPath;
    @Option(names = "--model-ema-decay", defaultValue = "0", description = "EMA of the weights, e.g. 0.9998 (0: off)") double emaDecay;
    @Option(names = "--clip-grad", defaultValue = "5.0", description = "global gradient-norm clip (0: off)") double clipGrad;
    @Option(names = "--seed", defaultValue = "42") long seed;
    @Option(names = {"-j", "--workers"}, defaultValue = "1", description = "data loading threads") int workers;
    @Option(names = "--output", defaultValue = "output/train", description = "directory for checkpoints and metrics") Path output;
    @Option(names = "--resume", description = "continue from a checkpoint written by train (last.safetensors)") Path resume;
    @Option(names = "--weights", description = "initial weights to fine-tune from (classifier re-initialised)") Path weights;
    @Option(names = "--num-classes", description = "classes (checked against the dataset)") Integer numClasses;
    @Option(names = "--train-subset", defaultValue = "0", description = "use only the first N training images") int trainSubset;
    @Option(names = "--val-subset", defaultValue = "0", description = "use only the first N validation images") int valSubset;

    @Option(names = "--stop-after-epoch", defaultValue = "0", hidden = true,
            description = "end this session after epoch N (the schedule still spans --epochs); continue with --resume") int stopAfterEpoch;

    @Override
    public Integer call() throws Exception {
        if (batchSize < 1 || epochs < 1 || workers < 1) throw new IllegalArgumentException("--batch-size, --epochs and --workers must be ≥ 1");
        TrainingRun.Options o = new TrainingRun.Options(model, dataset, imgSize, batchSize, epochs, lr, minLr, warmupLr, warmupEpochs,
                weightDecay, smoothing, dropPath, emaDecay, clipGrad, seed, workers, output, resume, weights, numClasses,
                trainSubset, valSubset, stopAfterEpoch);
        TrainingRun.Result r = TrainingRun.run(o, new ConsoleProgress(System.out, epochs));
        System.out.printf(Locale.ROOT, "best val top-1 %.4f at epoch %d; checkpoints %s, %s; wall %.0f s%n",
                r.bestTop1(), r.bestEpoch(), r.best(), r.last(), r.wallSeconds());
        return 0;
    }
}
