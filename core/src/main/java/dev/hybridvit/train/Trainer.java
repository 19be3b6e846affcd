package dev.hybridvit.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.hybridvit.data.BatchLoader;
import dev.hybridvit.models.VisionModel;

import java.util.Iterator;
import java.util.function.Consumer;

/**
 * Supervised training of a {@link VisionModel} with the timm recipe's core: AdamW, per-step cosine
 * schedule with warm-up, label smoothing, gradient clipping, drop-path (the model's own) and a
 * model EMA. Every step runs in its own child manager, so memory stays flat over any number of
 * steps.
 */
public final class Trainer implements AutoCloseable {
    /** Hyper-parameters, named after timm's flags. */
    public record Config(int epochs, int batchSize, double lr, double minLr, double warmupLr, double warmupEpochs,
                         double weightDecay, double smoothing, double clipGrad, double emaDecay, long seed) {
        public static Config defaults() {
            return new Config(10, 128, 2e-3, 1e-5, 1e-5, 1, 0.05, 0.1, 5.0, 0.0, 0);
        }
    }

    /** What one epoch did. */
    public record EpochStats(int epoch, double loss, double accuracy, double lr, double imagesPerSecond, double seconds) {}

    /** Progress of the running epoch: batches done, batches total, running loss and accuracy. */
    public record Progress(int epoch, int done, int total, double loss, double accuracy, double lr, double imagesPerSecond) {}

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

    public AdamW optimizer() { return optimizer; }

    /** The EMA of the weights, or null when {@code emaDecay} is 0. */
    public ModelEma ema() { return ema; }

    /** Trains one epoch over {@code loader} and reports progress after every batch. */
    public EpochStats trainEpoch(BatchLoader loader, int epoch, Consumer<Progress> progress) {
        int total = loader.batchesPerEpoch();
        if (schedule == null) {
            schedule = new CosineSchedule(config.lr(), config.minLr(), config.warmupLr(),
                    Math.round(config.warmupEpochs() * total), (long) config.epochs() * total);
        }
        model.setTraining(true);
        long start = System.nanoTime();
        double lossSum = 0;
        long correct = 0, seen = 0;
        double lr = 0;
        Iterator<BatchLoader.Batch> it = loader.epoch(epoch);
        for (int b = 0; it.hasNext(); b++) {
            BatchLoader.Batch batch = it.next();
            lr = schedule.at(optimizer.steps());
            // Drop-path masks come from libtorch's generator: re-seed it per step so that a resumed
            // run draws exactly the masks the uninterrupted run would have drawn.
            Engine.getEngine("PyTorch").setRandomSeed(stepSeed(config.seed(), optimizer.steps()));
            try (NDManager step = model.manager().newSubManager()) {
                int[] d = batch.dims();
                NDArray x = step.create(batch.images(), new Shape(batch.size(), d[0], d[1], d[2]));
                NDArray labels = step.create(batch.labels());
                NDArray targets = Losses.smoothedTargets(labels, classes, config.smoothing());
                NDArray logits, loss;
                try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                    logits = model.forward(x);
                    loss = Losses.softCrossEntropy(logits, targets);
                    gc.backward(loss);
                }
                lossSum += loss.getFloat() * batch.size();
                correct += logits.argMax(1).toType(DataType.INT32, false).eq(labels).sum().toType(DataType.INT64, false).getLong();
                seen += batch.size();
                optimizer.step(lr, config.clipGrad());
                if (ema != null) ema.update(model);
            }
            double secs = (System.nanoTime() - start) / 1e9;
            progress.accept(new Progress(epoch, b + 1, total, lossSum / seen, (double) correct / seen, lr, seen / secs));
        }
        double secs = (System.nanoTime() - start) / 1e9;
        model.setTraining(false);
        return new EpochStats(epoch, lossSum / seen, (double) correct / seen, lr, seen / secs, secs);
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
