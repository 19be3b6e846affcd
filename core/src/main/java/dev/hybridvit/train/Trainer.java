package dev.hybridvit.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.hybridvit.data.BatchLoader;
import dev.hybridvit.data.Mixup;
import dev.hybridvit.models.VisionModel;
import dev.hybridvit.tensor.Tensors;
import java.util.Iterator;
import java.util.Random;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Supervised training of a {@link VisionModel} with the timm recipe's core: AdamW, per-step cosine
 * schedule with warm-up, label smoothing, mixup/cutmix ({@link Mixup}), gradient clipping,
 * drop-path (the model's own) and a model EMA. Every step runs in its own child manager, so memory stays flat over any number of
 * steps.
 */
public final class Trainer implements AutoCloseable {
    /** Hyper-parameters, named after timm's flags; {@code mixup} (null: off) mixes batches and their targets. */
    public record Config(
            int epochs,
            int batchSize,
            double lr,
            double minLr,
            double warmupLr,
            double warmupEpochs,
            double weightDecay,
            double smoothing,
            double clipGrad,
            double emaDecay,
            long seed,
            Mixup mixup) {
        /** Without mixup. */
        public Config(
                int epochs,
                int batchSize,
                double lr,
                double minLr,
                double warmupLr,
                double warmupEpochs,
                double weightDecay,
                double smoothing,
                double clipGrad,
                double emaDecay,
                long seed) {
            this(
                    epochs,
                    batchSize,
                    lr,
                    minLr,
                    warmupLr,
                    warmupEpochs,
                    weightDecay,
                    smoothing,
                    clipGrad,
                    emaDecay,
                    seed,
                    null);
        }

        public static Config defaults() {
            return new Config(10, 128, 2e-3, 1e-5, 1e-5, 1, 0.05, 0.1, 5.0, 0.0, 0);
        }
    }

    /**
     * Where an epoch stands: the next batch and the running sums so far. An epoch stopped early
     * reports it, and {@link #trainEpoch} started from it continues exactly there.
     */
    public record Position(int batch, double lossSum, long correct, long seen, double seconds) {
        public static final Position START = new Position(0, 0, 0, 0, 0);
    }

    /** What one epoch did; {@code stoppedAt} is null when it ran to the end. */
    public record EpochStats(
            int epoch,
            double loss,
            double accuracy,
            double lr,
            double imagesPerSecond,
            double seconds,
            Position stoppedAt) {}

    /** Progress of the running epoch: batches done, batches total, running loss and accuracy. */
    public record Progress(
            int epoch, int done, int total, double loss, double accuracy, double lr, double imagesPerSecond) {}

    /** One step's mean loss and correct top-1 predictions (against the unmixed labels). */
    public record StepResult(double loss, long correct) {}

    private static final long MIXUP_SALT = 0x6D69787570L;
    private final VisionModel model;
    private final Config config;
    private final AdamW optimizer;
    private final ModelEma ema;
    private final int classes;
    private CosineSchedule schedule;

    public Trainer(VisionModel model, Config config) {
        this.model = model;
        this.config = config;
        this.classes = model.numClasses();
        model.requireGradients(true);
        this.optimizer = new AdamW(model, config.weightDecay());
        this.ema = config.emaDecay() > 0 ? new ModelEma(model, config.emaDecay()) : null;
    }

    public AdamW optimizer() {
        return optimizer;
    }

    /** The EMA of the weights, or null when {@code emaDecay} is 0. */
    public ModelEma ema() {
        return ema;
    }

    /** Trains one epoch over {@code loader} and reports progress after every batch. */
    public EpochStats trainEpoch(BatchLoader loader, int epoch, Consumer<Progress> progress) {
        return trainEpoch(loader, epoch, Position.START, () -> false, progress);
    }

    /**
     * Trains epoch {@code epoch} from position {@code from}; before each batch, {@code stop} is
     * asked whether to end early (the step under way always completes, so the state is that of a
     * whole number of steps).
     */
    public EpochStats trainEpoch(
            BatchLoader loader, int epoch, Position from, BooleanSupplier stop, Consumer<Progress> progress) {
        int total = loader.batchesPerEpoch();
        if (schedule == null) {
            schedule = new CosineSchedule(
                    config.lr(),
                    config.minLr(),
                    config.warmupLr(),
                    Math.round(config.warmupEpochs() * total),
                    (long) config.epochs() * total);
        }
        model.setTraining(true);
        long start = System.nanoTime() - Math.round(from.seconds() * 1e9);
        double lossSum = from.lossSum();
        long correct = from.correct(), seen = from.seen();
        double lr = schedule.at(Math.max(0, optimizer.steps() - 1));
        boolean mix = config.mixup() != null && config.mixup().activeIn(epoch);
        Iterator<BatchLoader.Batch> it = loader.epoch(epoch, from.batch());
        Position stoppedAt = null;
        for (int b = from.batch(); it.hasNext(); b++) {
            if (stop.getAsBoolean()) {
                stoppedAt = new Position(b, lossSum, correct, seen, (System.nanoTime() - start) / 1e9);
                break;
            }
            BatchLoader.Batch batch = it.next();
            lr = schedule.at(optimizer.steps());
            StepResult r = step(batch, lr, mix);
            lossSum += r.loss() * batch.size();
            correct += r.correct();
            seen += batch.size();
            double secs = (System.nanoTime() - start) / 1e9;
            progress.accept(
                    new Progress(epoch, b + 1, total, lossSum / seen, (double) correct / seen, lr, seen / secs));
        }
        double secs = (System.nanoTime() - start) / 1e9;
        model.setTraining(false);
        long n = Math.max(1, seen);
        return new EpochStats(epoch, lossSum / n, (double) correct / n, lr, seen / secs, secs, stoppedAt);
    }

    /**
     * One optimisation step on a host batch (the model must be in training mode): forward,
     * soft-target cross entropy (label smoothing, and mixup/cutmix when {@code mix}), backward,
     * AdamW with clipping, EMA update. Drop-path masks and the mixup draw are seeded by the step
     * number, so a resumed run draws exactly what the uninterrupted run would have.
     */
    public StepResult step(BatchLoader.Batch batch, double lr, boolean mix) {
        Tensors.seed(stepSeed(config.seed(), optimizer.steps()));
        Mixup.Mixed mixed = mix
                ? config.mixup().apply(batch, new Random(stepSeed(config.seed() ^ MIXUP_SALT, optimizer.steps())))
                : null;
        try (NDManager step = model.manager().newSubManager()) {
            int[] d = batch.dims();
            NDArray x = Tensors.channelsLast(
                    step, mixed == null ? batch.images() : mixed.images(), batch.size(), d[0], d[1], d[2]);
            NDArray labels = step.create(batch.labels());
            NDArray targets = mixed == null
                    ? Losses.smoothedTargets(labels, classes, config.smoothing())
                    : step.create(mixed.targets(), new Shape(batch.size(), classes));
            NDArray logits, loss;
            try (GradientCollector gc = Tensors.newGradientCollector()) {
                logits = model.forward(x);
                loss = Losses.softCrossEntropy(logits, targets);
                gc.backward(loss);
            }
            double lossValue = loss.getFloat();
            long correct = logits.argMax(1)
                    .toType(DataType.INT32, false)
                    .eq(labels)
                    .sum()
                    .toType(DataType.INT64, false)
                    .getLong();
            optimizer.step(lr, config.clipGrad());
            if (ema != null) ema.update(model, optimizer.steps());
            return new StepResult(lossValue, correct);
        }
    }

    static int stepSeed(long seed, long step) {
        long z = seed * 0x9E3779B97F4A7C15L + step + 1;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return (int) ((z ^ (z >>> 31)) & 0x7fffffff);
    }

    @Override
    public void close() {
        if (ema != null) ema.close();
        model.requireGradients(false);
    }
}
