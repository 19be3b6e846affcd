package dev.hybridvit.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.hybridvit.data.DataSources;
import dev.hybridvit.data.FashionMnist;
import dev.hybridvit.data.FashionScenes;
import dev.hybridvit.data.SegmentationFolder;
import dev.hybridvit.data.SegmentationPipeline;
import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.ModelSpec;
import dev.hybridvit.models.VisionModel;
import dev.hybridvit.models.segmentation.SegmentationInference;
import dev.hybridvit.models.segmentation.SemanticFPN;
import dev.hybridvit.tensor.Tensors;
import dev.hybridvit.weights.AtomicFiles;
import dev.hybridvit.weights.Checkpoint;
import dev.hybridvit.weights.WeightsFormatException;
import dev.hybridvit.weights.WeightsLoader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;

/**
 * Iteration-based training of a Semantic FPN as mmseg's {@code IterBasedRunner} runs the official
 * Next-ViT ADE20K configurations: batches drawn through {@link SegmentationPipeline}, pixel
 * cross-entropy ignoring label 255, AdamW on the {@link PolySchedule} with linear warm-up,
 * validation every {@code evalInterval} iterations ({@link SegmentationValidation}, mIoU).
 * Checkpoints, resume and stopping are {@link TrainingRun}'s: {@code last.safetensors} after every
 * validation and when stopped ({@link StopSignal}, Ctrl-C: the step under way completes), with
 * the optimizer moments and the iteration, so {@code resume} continues exactly;
 * {@code best.safetensors} on the best mIoU. Iteration i's batch and augmentation are a function
 * of (seed, i), which is what makes the resumed run draw what the uninterrupted one would have.
 */
public final class SegmentationTraining {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /** {@code --data scenes}: Fashion-MNIST scenes written in ADE20K's layout under the output folder. */
    public static final String SCENES = "scenes";

    static final String ITERATION = "iteration";

    /**
     * A run's settings. {@code data} is an ADE20K-layout folder or {@value #SCENES};
     * {@code cropSize} 0 takes the model's input size; {@code scenes} is how many training scenes
     * to write (validation: a quarter as many); {@code stopAfterIter} &gt; 0 ends the run early
     * (the schedule still spans {@code iters}).
     */
    public record Options(
            String model,
            String data,
            boolean reduceZeroLabel,
            int cropSize,
            int batchSize,
            int iters,
            double lr,
            double weightDecay,
            int warmupIters,
            double power,
            int evalInterval,
            int valLimit,
            int frozenStages,
            boolean normEval,
            int scenes,
            long seed,
            int workers,
            Path output,
            Path resume,
            Path weights,
            int stopAfterIter) {
        /** mmseg's AdamW settings of the Next-ViT FPN runs (lr 1e-4, weight decay 1e-4), poly power 1.0. */
        public static Options defaults(String model, String data, Path output) {
            return new Options(
                    model,
                    data,
                    false,
                    0,
                    8,
                    1000,
                    1e-4,
                    1e-4,
                    100,
                    1.0,
                    200,
                    0,
                    0,
                    false,
                    2000,
                    0,
                    Math.max(1, Runtime.getRuntime().availableProcessors() / 2),
                    output,
                    null,
                    null,
                    0);
        }
    }

    /** One validation point: training averages since the previous one, then the validation figures. */
    public record Record(
            int iter,
            double trainLoss,
            double trainPixelAccuracy,
            double mIoU,
            double mAcc,
            double aAcc,
            double lr,
            double imagesPerSecond,
            double seconds) {}

    /** What a run produced; {@code finalEval} is that of {@code best} (null when stopped, with {@code stoppedAt}). */
    public record Result(
            String model,
            List<Record> history,
            double bestMIoU,
            int bestIter,
            Path last,
            Path best,
            List<String> classes,
            SegmentationMetrics.Result finalEval,
            double wallSeconds,
            int stoppedAt) {}

    private SegmentationTraining() {}

    /** The training and validation folders of {@code o.data()}, writing the scenes first when asked for. */
    public static SegmentationFolder[] openData(Options o, int sceneSize) throws IOException {
        Path root;
        if (SCENES.equals(o.data())) {
            root = o.output().resolve(SCENES);
            if (!Files.isRegularFile(root.resolve(SegmentationFolder.CLASSES_FILE))) {
                Path fm = DataSources.fashionMnistDir();
                new FashionScenes(FashionMnist.load(fm, "train"), sceneSize, 4, o.seed())
                        .writeAde20k(root, "training", o.scenes());
                new FashionScenes(FashionMnist.load(fm, "t10k"), sceneSize, 4, o.seed() + 1)
                        .writeAde20k(root, "validation", Math.max(1, o.scenes() / 4));
            }
        } else {
            root = Path.of(o.data());
        }
        return new SegmentationFolder[] {
            SegmentationFolder.open(root, "training", o.reduceZeroLabel(), 0),
            SegmentationFolder.open(root, "validation", o.reduceZeroLabel(), 0)
        };
    }

    public static Result run(Options o, TrainingRun.Listener listener, BooleanSupplier stop) throws IOException {
        long start = System.nanoTime();
        Checkpoint.Info resumed = o.resume() == null
                ? null
                : Checkpoint.info(o.resume())
                        .orElseThrow(() -> new IllegalArgumentException(
                                "--resume " + o.resume() + ": not a hybridvit training checkpoint"));
        String name = resumed != null ? resumed.model() : o.model();
        if (name == null || !name.startsWith(SemanticFPN.PREFIX))
            throw new IllegalArgumentException("--task segmentation trains a Semantic FPN (" + SemanticFPN.PREFIX
                    + "<backbone>, see `models`), got " + name);
        ModelSpec spec = ModelRegistry.get(name);
        int crop = o.cropSize() > 0
                ? o.cropSize()
                : resumed != null ? resumed.options().imageSize(spec) : spec.defaultImageSize();
        SegmentationFolder[] data = openData(o, crop);
        SegmentationFolder train = data[0], val = data[1];
        List<String> classes = train.classes();
        if (!val.classes().equals(classes))
            throw new IllegalArgumentException("training and validation name different classes");
        int perEpoch = train.size() / o.batchSize();
        if (perEpoch == 0)
            throw new IllegalArgumentException(
                    train.size() + " training images are fewer than one batch of " + o.batchSize());
        ModelOptions mo = resumed != null
                ? resumed.options()
                : ModelOptions.defaults()
                        .withNumClasses(classes.size())
                        .withImageSize(crop)
                        .withFrozenStages(o.frozenStages())
                        .withNormEval(o.normEval());
        if (mo.numClasses() != classes.size())
            throw new IllegalArgumentException(
                    o.resume() + " has " + mo.numClasses() + " classes, the data " + classes.size());
        Files.createDirectories(o.output());
        listener.log(String.format(
                Locale.ROOT,
                "%s, crop %d, %d classes; %s / %s",
                name,
                crop,
                classes.size(),
                train.describe(),
                val.describe()));
        SegmentationPipeline pipeline = SegmentationPipeline.forCrop(crop);
        PolySchedule schedule = new PolySchedule(
                o.lr(), 0, o.power(), o.iters(), Math.min(o.warmupIters(), o.iters()), PolySchedule.WARMUP_RATIO);
        Path last = o.output().resolve(TrainingRun.LAST), best = o.output().resolve(TrainingRun.BEST);
        List<Record> history = new ArrayList<>();
        double bestMIoU = -1;
        int bestIter = -1, first = 0;
        ForkJoinPool pool = new ForkJoinPool(Math.max(1, o.workers()));
        try (VisionModel built = spec.create(mo, o.seed())) {
            SemanticFPN model = (SemanticFPN) built;
            if (resumed == null && o.weights() != null) listener.log(initialise(model, o.weights()));
            model.requireGradients(true);
            AdamW optimizer = new AdamW(model, o.weightDecay());
            if (resumed != null) {
                try (NDManager scratch = model.manager().newSubManager();
                        Checkpoint.Contents c = Checkpoint.read(o.resume(), scratch)) {
                    model.loadStateDict(c.model(), true);
                    model.requireGradients(true);
                    if (c.optimizer().isEmpty())
                        throw new IllegalArgumentException(o.resume() + " has no optimizer state to resume from");
                    first = ((Number) c.info().extra().get(ITERATION)).intValue();
                    optimizer.load(c.optimizer(), first);
                    history.addAll(readHistory(c.info().extra().get("history")));
                    bestMIoU = ((Number) c.info().extra().getOrDefault("best_miou", -1)).doubleValue();
                    bestIter = ((Number) c.info().extra().getOrDefault("best_iter", -1)).intValue();
                } catch (ClassCastException | NullPointerException e) {
                    throw new WeightsFormatException(
                            o.resume(),
                            "the training state in its metadata has a value of the wrong type or is missing",
                            e);
                }
                listener.log("resumed from " + o.resume() + " at iteration " + first);
            }
            int end = o.stopAfterIter() > 0 ? Math.min(o.iters(), o.stopAfterIter()) : o.iters();
            double lossSum = 0, lr = schedule.at(first);
            long hit = 0, labelled = 0, images = 0, since = System.nanoTime();
            int[] perm = null;
            int permEpoch = -1;
            for (int it = first; it < end; it++) {
                if (stop.getAsBoolean()) {
                    save(last, model, classes, it, optimizer, extra(o, it, history, bestMIoU, bestIter, crop));
                    listener.log("stopped at iteration " + it + "/" + o.iters() + "; " + last
                            + " holds the exact state to resume from");
                    return new Result(
                            name,
                            history,
                            bestMIoU,
                            bestIter,
                            last,
                            best,
                            classes,
                            null,
                            (System.nanoTime() - start) / 1e9,
                            it);
                }
                int epoch = it / perEpoch, b = it % perEpoch;
                if (epoch != permEpoch) {
                    perm = permutation(train.size(), o.seed() * 31 + epoch);
                    permEpoch = epoch;
                }
                int[] idx = java.util.Arrays.copyOfRange(perm, b * o.batchSize(), (b + 1) * o.batchSize());
                SegmentationPipeline.Example[] batch = load(pool, train, pipeline, idx, o.seed(), it);
                lr = schedule.at(it);
                long[] step = step(model, optimizer, batch, lr, crop, Trainer.stepSeed(o.seed(), it));
                lossSum += Double.longBitsToDouble(step[0]) * batch.length;
                hit += step[1];
                labelled += step[2];
                images += batch.length;
                double secs = (System.nanoTime() - since) / 1e9;
                listener.progress(new Trainer.Progress(
                        0,
                        it + 1,
                        o.iters(),
                        lossSum / images,
                        (double) hit / Math.max(1, labelled),
                        lr,
                        images / secs));
                boolean evaluate = (it + 1) % o.evalInterval() == 0 || it + 1 == end;
                if (!evaluate) continue;
                SegmentationMetrics.Result r = SegmentationValidation.evaluate(
                        model, val, pipeline, SegmentationInference.whole(), o.valLimit(), n -> {});
                Record rec = new Record(
                        it + 1,
                        lossSum / images,
                        (double) hit / Math.max(1, labelled),
                        r.mIoU(),
                        r.mAcc(),
                        r.aAcc(),
                        lr,
                        images / secs,
                        secs);
                history.add(rec);
                listener.log(String.format(
                        Locale.ROOT,
                        "iter %d/%d: train loss %.4f pixel acc %.4f | val mIoU %.4f mAcc %.4f aAcc %.4f | %.1f img/s",
                        it + 1,
                        o.iters(),
                        rec.trainLoss(),
                        rec.trainPixelAccuracy(),
                        r.mIoU(),
                        r.mAcc(),
                        r.aAcc(),
                        rec.imagesPerSecond()));
                if (r.mIoU() > bestMIoU) {
                    bestMIoU = r.mIoU();
                    bestIter = it + 1;
                    save(best, model, classes, it + 1, null, extra(o, it + 1, history, bestMIoU, bestIter, crop));
                }
                save(last, model, classes, it + 1, optimizer, extra(o, it + 1, history, bestMIoU, bestIter, crop));
                writeMetrics(o.output(), name, history);
                lossSum = 0;
                hit = labelled = images = 0;
                since = System.nanoTime();
            }
            SegmentationMetrics.Result finalEval = null;
            if (Files.isRegularFile(best)) {
                WeightsLoader.load(model, best);
                finalEval = SegmentationValidation.evaluate(
                        model, val, pipeline, SegmentationInference.whole(), 0, n -> {});
            }
            return new Result(
                    name,
                    history,
                    bestMIoU,
                    bestIter,
                    last,
                    best,
                    classes,
                    finalEval,
                    (System.nanoTime() - start) / 1e9,
                    -1);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Fills the model from {@code file}: a checkpoint of a Semantic FPN whole, anything else as
     * backbone weights (a classification checkpoint, its classifier dropped). Returns what was done.
     */
    public static String initialise(SemanticFPN model, Path file) throws IOException {
        var info = Checkpoint.info(file);
        if (info.isPresent() && info.get().model().startsWith(SemanticFPN.PREFIX))
            return WeightsLoader.load(model, file).describe();
        return "backbone: "
                + WeightsLoader.loadBackbone(model.backbone, file, WeightsLoader.Options.STRICT)
                        .describe();
    }

    private static SegmentationPipeline.Example[] load(
            ForkJoinPool pool,
            SegmentationFolder train,
            SegmentationPipeline pipeline,
            int[] idx,
            long seed,
            int iter) {
        try {
            return pool.submit(() -> IntStream.range(0, idx.length)
                            .parallel()
                            .mapToObj(j -> {
                                try {
                                    return pipeline.train(
                                            train.read(idx[j]),
                                            new SplittableRandom(
                                                    Trainer.stepSeed(seed ^ 0x5E6L, (long) iter * 1024 + j)));
                                } catch (IOException e) {
                                    throw new UncheckedIOException(e);
                                }
                            })
                            .toArray(SegmentationPipeline.Example[]::new))
                    .get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while loading a batch", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UncheckedIOException u) throw u;
            throw new IllegalStateException(e.getCause());
        }
    }

    /** One AdamW step; returns the mean loss (as double bits), the correct and the labelled pixels. */
    private static long[] step(
            SemanticFPN model, AdamW optimizer, SegmentationPipeline.Example[] batch, double lr, int crop, int seed) {
        Tensors.seed(seed);
        int n = batch.length, plane = crop * crop;
        float[] x = new float[n * 3 * plane];
        int[] y = new int[n * plane];
        for (int i = 0; i < n; i++) {
            System.arraycopy(batch[i].image(), 0, x, i * 3 * plane, 3 * plane);
            System.arraycopy(batch[i].label(), 0, y, i * plane, plane);
        }
        model.setTraining(true);
        try (NDManager scope = model.manager().newSubManager()) {
            NDArray in = Tensors.fromFloats(scope, x, n, 3, crop, crop);
            NDArray labels = scope.create(y, new Shape(n, crop, crop));
            NDArray logits, loss;
            try (GradientCollector gc = Tensors.newGradientCollector()) {
                logits = model.forward(in);
                loss = Losses.pixelCrossEntropy(logits, labels, SegmentationFolder.IGNORE);
                gc.backward(loss);
            }
            double value = loss.getFloat();
            NDArray valid = labels.neq(SegmentationFolder.IGNORE);
            long correct = logits.argMax(1)
                    .toType(DataType.INT32, false)
                    .eq(labels)
                    .logicalAnd(valid)
                    .sum()
                    .toType(DataType.INT64, false)
                    .getLong();
            long counted = valid.sum().toType(DataType.INT64, false).getLong();
            optimizer.step(lr, 0);
            return new long[] {Double.doubleToLongBits(value), correct, counted};
        } finally {
            model.setTraining(false);
        }
    }

    static int[] permutation(int n, long seed) {
        int[] p = IntStream.range(0, n).toArray();
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1), t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    private static void save(
            Path file, SemanticFPN model, List<String> classes, long iter, AdamW optimizer, Map<String, Object> extra)
            throws IOException {
        Checkpoint.save(file, model, classes, iter, optimizer == null ? null : optimizer.state(), null, extra);
    }

    private static Map<String, Object> extra(
            Options o, int iter, List<Record> history, double bestMIoU, int bestIter, int crop) {
        Map<String, Object> x = new LinkedHashMap<>();
        x.put("task", "segmentation");
        x.put(ITERATION, iter);
        x.put("iters", o.iters());
        x.put("best_miou", bestMIoU);
        x.put("best_iter", bestIter);
        x.put("dataset", o.data());
        x.put("crop_size", crop);
        x.put("reduce_zero_label", o.reduceZeroLabel());
        x.put("seed", o.seed());
        x.put("history", history.stream().map(SegmentationTraining::row).toList());
        return x;
    }

    private static Map<String, Object> row(Record r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("iter", r.iter());
        m.put("train_loss", r.trainLoss());
        m.put("train_pixel_accuracy", r.trainPixelAccuracy());
        m.put("miou", nullable(r.mIoU()));
        m.put("macc", nullable(r.mAcc()));
        m.put("aacc", nullable(r.aAcc()));
        m.put("lr", r.lr());
        m.put("images_per_second", r.imagesPerSecond());
        m.put("seconds", r.seconds());
        return m;
    }

    private static Object nullable(double v) {
        return Double.isNaN(v) ? null : v;
    }

    @SuppressWarnings("unchecked")
    private static List<Record> readHistory(Object o) {
        List<Record> out = new ArrayList<>();
        if (!(o instanceof List<?> rows)) return out;
        for (Object row : rows) {
            Map<String, Object> m = (Map<String, Object>) row;
            out.add(new Record(
                    ((Number) m.get("iter")).intValue(),
                    TrainingRun.d(m, "train_loss"),
                    TrainingRun.d(m, "train_pixel_accuracy"),
                    TrainingRun.d(m, "miou"),
                    TrainingRun.d(m, "macc"),
                    TrainingRun.d(m, "aacc"),
                    TrainingRun.d(m, "lr"),
                    TrainingRun.d(m, "images_per_second"),
                    TrainingRun.d(m, "seconds")));
        }
        return out;
    }

    /** {@code metrics.json}: the validation points so far (atomically). */
    public static void writeMetrics(Path dir, String model, List<Record> history) throws IOException {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("model", model);
        json.put("task", "segmentation");
        json.put("history", history.stream().map(SegmentationTraining::row).toList());
        byte[] bytes = JSON.writeValueAsBytes(json);
        AtomicFiles.write(dir.resolve("metrics.json"), out -> out.write(bytes));
    }
}
