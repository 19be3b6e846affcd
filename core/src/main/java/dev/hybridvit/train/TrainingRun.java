package dev.hybridvit.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.hybridvit.data.Augmentation;
import dev.hybridvit.data.BatchLoader;
import dev.hybridvit.data.DataSources;
import dev.hybridvit.data.Transform;
import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.ModelSpec;
import dev.hybridvit.models.VisionModel;
import dev.hybridvit.weights.AtomicFiles;
import dev.hybridvit.weights.Checkpoint;
import dev.hybridvit.weights.WeightsFormatException;
import dev.hybridvit.weights.WeightsLoader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * A whole training run as timm's {@code train.py} does it: data, model (fresh, fine-tuned from
 * weights with a new classifier, or resumed), epochs of {@link Trainer}, validation after every
 * epoch (raw and EMA weights), checkpoints {@code last.safetensors} every epoch and
 * {@code best.safetensors} on the best top-1, {@code metrics.csv}/{@code metrics.json} and
 * {@code curves.png}. Augmentation ({@link Augmentation}: RandAugment, random erasing,
 * mixup/cutmix) is seeded per epoch, batch and step. Resuming ({@code resume}) continues
 * exactly: weights, AdamW moments and step, EMA, epoch, position within the epoch and history
 * come from the checkpoint. A run stopped through its stop signal (Ctrl-C) finishes the step
 * under way and writes {@code last.safetensors} at that batch, so resuming continues with the
 * next batch of the same epoch.
 */
public final class TrainingRun {
    public static final String LAST = "last.safetensors", BEST = "best.safetensors", CURVES = "curves.png";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * Everything a run needs; names follow timm's flags. {@code stopAfterEpoch} &gt; 0 stops the
     * run after that epoch (the schedule still spans {@code epochs}); {@code --resume} continues.
     */
    public record Options(
            String model,
            String dataset,
            int imgSize,
            int batchSize,
            int epochs,
            double lr,
            double minLr,
            double warmupLr,
            double warmupEpochs,
            double weightDecay,
            double smoothing,
            double dropPath,
            double emaDecay,
            double clipGrad,
            long seed,
            int workers,
            Path output,
            Path resume,
            Path weights,
            Integer numClasses,
            int trainSubset,
            int valSubset,
            int stopAfterEpoch,
            Augmentation augmentation) {
        public Options {
            if (augmentation == null) augmentation = Augmentation.none();
        }

        /** Without augmentation beyond the dataset's crop and flip. */
        public Options(
                String model,
                String dataset,
                int imgSize,
                int batchSize,
                int epochs,
                double lr,
                double minLr,
                double warmupLr,
                double warmupEpochs,
                double weightDecay,
                double smoothing,
                double dropPath,
                double emaDecay,
                double clipGrad,
                long seed,
                int workers,
                Path output,
                Path resume,
                Path weights,
                Integer numClasses,
                int trainSubset,
                int valSubset,
                int stopAfterEpoch) {
            this(
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
                    Augmentation.none());
        }

        /** Defaults suited to a compact model on a CPU; every field can be replaced with a {@code with}-style copy. */
        public static Options defaults(String model, String dataset, Path output) {
            return new Options(
                    model,
                    dataset,
                    0,
                    128,
                    10,
                    2e-3,
                    1e-5,
                    1e-5,
                    1,
                    0.05,
                    0.1,
                    -1,
                    0,
                    5.0,
                    42,
                    Math.max(1, Runtime.getRuntime().availableProcessors() / 2),
                    output,
                    null,
                    null,
                    null,
                    0,
                    0,
                    0);
        }

        public Options withAugmentation(Augmentation a) {
            return new Options(
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
                    a);
        }

        public Options withResume(Path checkpoint) {
            return new Options(
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
                    checkpoint,
                    weights,
                    numClasses,
                    trainSubset,
                    valSubset,
                    stopAfterEpoch,
                    augmentation);
        }

        public Options withOutput(Path dir) {
            return new Options(
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
                    dir,
                    resume,
                    weights,
                    numClasses,
                    trainSubset,
                    valSubset,
                    stopAfterEpoch,
                    augmentation);
        }
    }

    /** One row of the metrics: training averages and validation loss and accuracy after the epoch. */
    public record EpochRecord(
            int epoch,
            double trainLoss,
            double trainAccuracy,
            double valLoss,
            double valTop1,
            double valTop5,
            double valTop1Ema,
            double lr,
            double imagesPerSecond,
            double seconds) {}

    /** Progress and log sink (the CLI draws a bar or prints lines). */
    public interface Listener {
        void progress(Trainer.Progress p);

        void epoch(EpochRecord r);

        void log(String message);
    }

    /**
     * What a run produced; {@code finalEval} is the validation of the weights in {@code best}
     * (null when the run was stopped); {@code stopped} says where a stopped run left off.
     */
    public record Result(
            String model,
            List<EpochRecord> history,
            double bestTop1,
            int bestEpoch,
            Path last,
            Path best,
            List<String> classes,
            Evaluator.Result finalEval,
            double wallSeconds,
            Stopped stopped) {}

    /** Where a stopped run's {@code last.safetensors} continues: batch {@code batch} of epoch {@code epoch} (1-based). */
    public record Stopped(int epoch, int batch, int batches) {}

    private TrainingRun() {}

    public static Result run(Options o, Listener listener) throws IOException {
        return run(o, listener, () -> false);
    }

    /**
     * Runs until the last epoch, or until {@code stop} answers true (asked before every step): then
     * the step under way completes, {@code last.safetensors} is written at that point and the
     * result's {@code stopped} says where.
     */
    public static Result run(Options o, Listener listener, BooleanSupplier stop) throws IOException {
        return run(null, o, listener, stop);
    }

    /**
     * Trains {@code variant}, a model that need not be in the registry (an ablation variant; its
     * checkpoints name it but cannot be resumed by name), instead of {@code o.model()}.
     */
    public static Result run(ModelSpec variant, Options o, Listener listener, BooleanSupplier stop) throws IOException {
        long start = System.nanoTime();
        Checkpoint.Info resumed = o.resume() == null
                ? null
                : Checkpoint.info(o.resume())
                        .orElseThrow(() -> new IllegalArgumentException(
                                "--resume " + o.resume() + ": not a hybridvit training checkpoint"));
        String modelName = variant != null ? variant.name() : resumed != null ? resumed.model() : o.model();
        if (modelName == null)
            throw new IllegalArgumentException("--model is required (unless --resume names a checkpoint)");
        ModelSpec spec = variant != null ? variant : ModelRegistry.get(modelName);
        int size = resumed != null
                ? resumed.options().imageSize(spec)
                : o.imgSize() > 0 ? o.imgSize() : spec.defaultImageSize();
        DataSources.Splits data = DataSources.open(
                o.dataset(),
                spec,
                size,
                o.seed(),
                o.trainSubset(),
                o.valSubset(),
                o.augmentation().crop(),
                o.augmentation().hflip());
        int classes = data.classes().size();
        if (o.numClasses() != null && o.numClasses() != classes) {
            throw new IllegalArgumentException(
                    "--num-classes " + o.numClasses() + " but " + data.name() + " has " + classes + " classes");
        }
        ModelOptions mo = resumed != null
                ? resumed.options()
                : ModelOptions.defaults()
                        .withNumClasses(classes)
                        .withImageSize(size)
                        .withDropPath(o.dropPath());
        if (mo.numClasses() != classes) {
            throw new IllegalArgumentException(
                    o.resume() + " has " + mo.numClasses() + " classes, the dataset " + classes);
        }
        Files.createDirectories(o.output());
        listener.log(String.format(
                Locale.ROOT,
                "%s at %d px, %d classes; %d train / %d val images from %s",
                modelName,
                size,
                classes,
                data.train().size(),
                data.val().size(),
                data.name()));
        Trainer.Config cfg = new Trainer.Config(
                o.epochs(),
                o.batchSize(),
                o.lr(),
                o.minLr(),
                o.warmupLr(),
                o.warmupEpochs(),
                o.weightDecay(),
                o.smoothing(),
                o.clipGrad(),
                o.emaDecay(),
                o.seed(),
                o.augmentation().mixer(o.smoothing(), classes));
        // DataSources normalises with the ImageNet statistics for every model and dataset
        Transform trainTransform =
                o.augmentation().trainTransform(data.trainTransform(), ModelSpec.IMAGENET_MEAN, ModelSpec.IMAGENET_STD);
        List<EpochRecord> history = new ArrayList<>();
        double bestTop1 = -1;
        int bestEpoch = -1, firstEpoch = 0;
        Trainer.Position position = Trainer.Position.START;
        Path last = o.output().resolve(LAST), best = o.output().resolve(BEST);
        try (VisionModel model = spec.create(mo, o.seed());
                BatchLoader trainLoader = new BatchLoader(
                        data.train(), trainTransform, o.batchSize(), true, true, o.seed(), o.workers());
                BatchLoader valLoader = new BatchLoader(
                        data.val(),
                        data.evalTransform(),
                        Math.max(o.batchSize(), 100),
                        false,
                        false,
                        o.seed(),
                        o.workers())) {
            if (trainLoader.batchesPerEpoch() == 0) {
                throw new IllegalArgumentException(
                        data.train().size() + " training images are fewer than one batch of " + o.batchSize());
            }
            if (resumed == null && o.weights() != null) {
                WeightsLoader.Result r =
                        WeightsLoader.load(model, o.weights(), WeightsLoader.Options.STRICT.withResetClassifier(true));
                listener.log(r.describe());
            }
            try (Trainer trainer = new Trainer(model, cfg)) {
                if (resumed != null) {
                    try (NDManager scratch = model.manager().newSubManager();
                            Checkpoint.Contents c = Checkpoint.read(o.resume(), scratch)) {
                        model.loadStateDict(c.model(), true);
                        model.requireGradients(true);
                        long steps = ((Number) c.info().extra().getOrDefault("optimizer_steps", 0)).longValue();
                        if (c.optimizer().isEmpty())
                            throw new IllegalArgumentException(o.resume() + " has no optimizer state to resume from");
                        trainer.optimizer().load(c.optimizer(), steps);
                        if (trainer.ema() != null && !c.ema().isEmpty())
                            copyInto(trainer.ema().weights(), c.ema());
                        firstEpoch = (int) c.info().epoch();
                        history.addAll(readHistory(c.info().extra().get("history")));
                        Object b = c.info().extra().get("best_top1");
                        if (b instanceof Number n) bestTop1 = n.doubleValue();
                        Object be = c.info().extra().get("best_epoch");
                        if (be instanceof Number n) bestEpoch = n.intValue();
                        position = readPosition(c.info().extra().get(POSITION));
                    } catch (ClassCastException | NullPointerException e) {
                        throw new WeightsFormatException(
                                o.resume(),
                                "the training state in its metadata has a value of the wrong type or is incomplete",
                                e);
                    }
                    listener.log("resumed from " + o.resume() + " after epoch " + firstEpoch
                            + (position.batch() > 0
                                    ? " and batch " + position.batch() + " of epoch " + (firstEpoch + 1)
                                    : "")
                            + " (step " + trainer.optimizer().steps() + ")");
                }
                int endEpoch = o.stopAfterEpoch() > 0 ? Math.min(o.epochs(), o.stopAfterEpoch()) : o.epochs();
                for (int e = firstEpoch; e < endEpoch; e++) {
                    Trainer.EpochStats s = trainer.trainEpoch(trainLoader, e, position, stop, listener::progress);
                    position = Trainer.Position.START;
                    if (s.stoppedAt() != null) {
                        Map<String, Object> extra = extra(o, data, trainer, history, bestTop1, bestEpoch, size);
                        extra.put(POSITION, position(s.stoppedAt()));
                        Checkpoint.save(
                                last,
                                model,
                                data.classes(),
                                e,
                                trainer.optimizer().state(),
                                trainer.ema() == null ? null : trainer.ema().weights(),
                                extra);
                        Stopped where = new Stopped(e + 1, s.stoppedAt().batch(), trainLoader.batchesPerEpoch());
                        listener.log(String.format(
                                Locale.ROOT,
                                "stopped in epoch %d at batch %d/%d; %s holds the exact state to resume from",
                                where.epoch(),
                                where.batch(),
                                where.batches(),
                                last));
                        return new Result(
                                modelName,
                                history,
                                bestTop1,
                                bestEpoch,
                                last,
                                best,
                                data.classes(),
                                null,
                                (System.nanoTime() - start) / 1e9,
                                where);
                    }
                    Evaluator.Result raw = Evaluator.evaluate(model, valLoader);
                    double emaTop1 = Double.NaN;
                    if (trainer.ema() != null)
                        emaTop1 = withWeights(
                                        model, trainer.ema().weights(), () -> Evaluator.evaluate(model, valLoader))
                                .top1();
                    EpochRecord rec = new EpochRecord(
                            e + 1,
                            s.loss(),
                            s.accuracy(),
                            raw.loss(),
                            raw.top1(),
                            raw.top5(),
                            emaTop1,
                            s.lr(),
                            s.imagesPerSecond(),
                            s.seconds());
                    history.add(rec);
                    double top = Double.isNaN(emaTop1) ? raw.top1() : Math.max(raw.top1(), emaTop1);
                    boolean improved = top > bestTop1;
                    if (improved) {
                        bestTop1 = top;
                        bestEpoch = e + 1;
                    }
                    Map<String, Object> extra = extra(o, data, trainer, history, bestTop1, bestEpoch, size);
                    Checkpoint.save(
                            last,
                            model,
                            data.classes(),
                            e + 1,
                            trainer.optimizer().state(),
                            trainer.ema() == null ? null : trainer.ema().weights(),
                            extra);
                    if (improved) {
                        // best: the better of raw and EMA weights, as plain model weights (what predict uses)
                        boolean emaBetter = !Double.isNaN(emaTop1) && emaTop1 > raw.top1();
                        int done = e + 1;
                        if (emaBetter) {
                            withWeights(model, trainer.ema().weights(), () -> {
                                saveQuietly(best, model, data.classes(), done, extra);
                                return null;
                            });
                        } else {
                            saveQuietly(best, model, data.classes(), done, extra);
                        }
                    }
                    writeMetrics(o.output(), modelName, history);
                    Charts.curves(history, o.output().resolve(CURVES));
                    listener.epoch(rec);
                    if (stop.getAsBoolean() && e + 1 < endEpoch) {
                        Stopped where = new Stopped(e + 2, 0, trainLoader.batchesPerEpoch());
                        listener.log("stopped after epoch " + (e + 1) + "; " + last
                                + " holds the exact state to resume from");
                        return new Result(
                                modelName,
                                history,
                                bestTop1,
                                bestEpoch,
                                last,
                                best,
                                data.classes(),
                                null,
                                (System.nanoTime() - start) / 1e9,
                                where);
                    }
                }
            }
            Evaluator.Result finalEval = null;
            if (Files.isRegularFile(best)) {
                WeightsLoader.load(model, best);
                finalEval = Evaluator.evaluate(model, valLoader);
            }
            if (!data.problemSummary().isEmpty()) listener.log(data.problemSummary());
            return new Result(
                    modelName,
                    history,
                    bestTop1,
                    bestEpoch,
                    last,
                    best,
                    data.classes(),
                    finalEval,
                    (System.nanoTime() - start) / 1e9,
                    null);
        }
    }

    private static void saveQuietly(
            Path file, VisionModel model, List<String> classes, long epoch, Map<String, Object> extra) {
        try {
            Checkpoint.save(file, model, classes, epoch, null, null, extra);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Map<String, Object> extra(
            Options o,
            DataSources.Splits data,
            Trainer trainer,
            List<EpochRecord> history,
            double bestTop1,
            int bestEpoch,
            int size) {
        Map<String, Object> x = new LinkedHashMap<>();
        x.put("optimizer_steps", trainer.optimizer().steps());
        x.put("best_top1", bestTop1);
        x.put("best_epoch", bestEpoch);
        x.put("dataset", data.name());
        x.put("seed", o.seed());
        x.put("epochs", o.epochs());
        x.put("image_size", size);
        x.put("crop_pct", data.evalCropPct());
        x.put("interpolation", DataSources.FASHION_MNIST.equals(data.name()) ? "bilinear" : "bicubic");
        x.put("augmentation", o.augmentation().describe());
        x.put("history", history.stream().map(TrainingRun::row).toList());
        return x;
    }

    /** Checkpoint key of the position within an epoch a stopped run continues from. */
    static final String POSITION = "epoch_position";

    private static Map<String, Object> position(Trainer.Position p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("batch", p.batch());
        m.put("loss_sum", p.lossSum());
        m.put("correct", p.correct());
        m.put("seen", p.seen());
        m.put("seconds", p.seconds());
        return m;
    }

    @SuppressWarnings("unchecked")
    private static Trainer.Position readPosition(Object o) {
        if (!(o instanceof Map<?, ?> raw)) return Trainer.Position.START;
        Map<String, Object> m = (Map<String, Object>) raw;
        return new Trainer.Position(
                num(m, "batch").intValue(),
                d(m, "loss_sum"),
                num(m, "correct").longValue(),
                num(m, "seen").longValue(),
                d(m, "seconds"));
    }

    /** Runs {@code body} with {@code weights} swapped into {@code model}, then restores the model's own. */
    public static <T> T withWeights(
            VisionModel model, Map<String, NDArray> weights, java.util.function.Supplier<T> body) {
        try (NDManager scratch = model.manager().newSubManager()) {
            LinkedHashMap<String, NDArray> own = new LinkedHashMap<>();
            model.stateDict().forEach((k, v) -> {
                NDArray copy = v.duplicate();
                copy.attach(scratch);
                own.put(k, copy);
            });
            boolean grads =
                    model.trainableParameters().stream().anyMatch(p -> p.value().hasGradient());
            model.loadStateDict(weights, true);
            try {
                return body.get();
            } finally {
                model.loadStateDict(own, true);
                model.requireGradients(grads);
            }
        }
    }

    private static void copyInto(Map<String, NDArray> target, Map<String, NDArray> source) {
        target.forEach((k, t) -> {
            NDArray s = source.get(k);
            if (s == null) throw new IllegalArgumentException("checkpoint EMA lacks " + k);
            if (t.getDataType().isFloating()) t.set(s.toFloatArray());
            else t.set(s.toLongArray());
        });
    }

    /** An epoch's record as a JSON row (snake_case keys), as in the run's {@code metrics.json}. */
    public static Map<String, Object> row(EpochRecord r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("epoch", r.epoch());
        m.put("train_loss", r.trainLoss());
        m.put("train_accuracy", r.trainAccuracy());
        m.put("val_loss", Double.isNaN(r.valLoss()) ? null : r.valLoss());
        m.put("val_top1", r.valTop1());
        m.put("val_top5", r.valTop5());
        m.put("val_top1_ema", Double.isNaN(r.valTop1Ema()) ? null : r.valTop1Ema());
        m.put("lr", r.lr());
        m.put("images_per_second", r.imagesPerSecond());
        m.put("seconds", r.seconds());
        return m;
    }

    @SuppressWarnings("unchecked")
    private static List<EpochRecord> readHistory(Object o) {
        List<EpochRecord> out = new ArrayList<>();
        if (!(o instanceof List<?> rows)) return out;
        for (Object row : rows) {
            Map<String, Object> m = (Map<String, Object>) row;
            out.add(new EpochRecord(
                    num(m, "epoch").intValue(),
                    d(m, "train_loss"),
                    d(m, "train_accuracy"),
                    d(m, "val_loss"),
                    d(m, "val_top1"),
                    d(m, "val_top5"),
                    d(m, "val_top1_ema"),
                    d(m, "lr"),
                    d(m, "images_per_second"),
                    d(m, "seconds")));
        }
        return out;
    }

    private static Number num(Map<String, Object> m, String k) {
        Object v = m.get(k);
        return v instanceof Number n ? n : Double.NaN; // absent or null (JSON null for NaN)
    }

    /** A number of a metadata row, NaN when absent or null (also read by {@link SegmentationTraining}). */
    static double d(Map<String, Object> m, String k) {
        return num(m, k).doubleValue();
    }

    private static String optional(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.6f", v);
    }

    /** Writes {@code metrics.csv} and {@code metrics.json} (atomically) for the history so far. */
    public static void writeMetrics(Path dir, String model, List<EpochRecord> history) throws IOException {
        StringBuilder csv = new StringBuilder(
                "epoch,train_loss,train_accuracy,val_loss,val_top1,val_top5,val_top1_ema,lr,images_per_second,seconds\n");
        for (EpochRecord r : history) {
            csv.append(String.format(
                    Locale.ROOT,
                    "%d,%.6f,%.6f,%s,%.6f,%.6f,%s,%.8g,%.2f,%.2f%n",
                    r.epoch(),
                    r.trainLoss(),
                    r.trainAccuracy(),
                    optional(r.valLoss()),
                    r.valTop1(),
                    r.valTop5(),
                    optional(r.valTop1Ema()),
                    r.lr(),
                    r.imagesPerSecond(),
                    r.seconds()));
        }
        byte[] csvBytes = csv.toString().getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(dir.resolve("metrics.csv"), out -> out.write(csvBytes));
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("model", model);
        json.put("epochs", history.size());
        json.put("history", history.stream().map(TrainingRun::row).toList());
        byte[] jsonBytes = JSON.writeValueAsBytes(json);
        AtomicFiles.write(dir.resolve("metrics.json"), out -> out.write(jsonBytes));
    }
}
