package dev.hybridvit.apps.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.hybridvit.data.DataSources;
import dev.hybridvit.data.FashionMnist;
import dev.hybridvit.data.ImageFiles;
import dev.hybridvit.export.ExportOptions;
import dev.hybridvit.export.Exporter;
import dev.hybridvit.export.quant.Precision;
import dev.hybridvit.export.quant.QuantOptions;
import dev.hybridvit.export.quant.Quantization;
import dev.hybridvit.infer.Predictor;
import dev.hybridvit.profile.Timing;
import dev.hybridvit.tensor.Tensors;
import dev.hybridvit.train.Charts;
import dev.hybridvit.train.StopSignal;
import dev.hybridvit.train.TrainingRun;
import dev.hybridvit.train.Validation;
import dev.hybridvit.weights.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The project's main job in one call: train a compact hybrid on Fashion-MNIST, evaluate it on the
 * 10,000 test images, export it to ONNX and time it in eager libtorch and in ONNX Runtime (batch 1),
 * classify a few test images written as PNG files through the same path as {@code predict}, and
 * write a report folder with {@code metrics.json}, the checkpoints and the ONNX file.
 */
public final class FashionMnistDemo {
    public static final String DEFAULT_MODEL = "trtvit_pico_hv";
    public static final int DEFAULT_IMAGE_SIZE = 32,
            DEFAULT_EPOCHS = 45,
            DEFAULT_BATCH = 256,
            DEFAULT_VAL_SUBSET = 2_000;
    public static final double DEFAULT_LR = 4e-3;
    private static final int TIMED_RUNS = 50, WARMUP_RUNS = 10;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * Demo settings.
     *
     * @param trainSubset training images used per epoch (≤ 0: all 60,000)
     * @param valSubset   test images used for the per-epoch validation (the final evaluation uses all)
     */
    public record Options(
            Path out,
            String model,
            int imageSize,
            int epochs,
            int trainSubset,
            int valSubset,
            int batchSize,
            double lr,
            int workers,
            long seed) {
        /** All 60,000 training images, a schedule short enough for a CPU ({@code docs/demo.md} gives its time and accuracy). */
        public static Options defaults(Path out) {
            return new Options(
                    out,
                    DEFAULT_MODEL,
                    DEFAULT_IMAGE_SIZE,
                    DEFAULT_EPOCHS,
                    0,
                    DEFAULT_VAL_SUBSET,
                    DEFAULT_BATCH,
                    DEFAULT_LR,
                    1,
                    0);
        }
    }

    /** A classified sample image. */
    public record Sample(String file, String truth, String predicted, double probability) {}

    /** What the demo measured. */
    public record Result(
            String model,
            double testAccuracy,
            double testTop5,
            long testImages,
            double wallSeconds,
            int epochs,
            double trainImagesPerSecond,
            Latency latency,
            Int8 int8,
            List<Sample> samples,
            Path report,
            Path stopped) {
        static Result interrupted(String model, Path last, Path report) {
            return new Result(
                    model, Double.NaN, Double.NaN, 0, Double.NaN, 0, Double.NaN, null, null, List.of(), report, last);
        }
    }

    /** Batch-1 latency of the trained model (deploy form) in both runtimes, medians after warm-up. */
    public record Latency(double torchMs, double onnxMs, int threads, Path onnxFile, double maxAbsLogitDiff) {}

    /** The int8 export of the tested weights: its test top-1 and batch-1 latency beside float32's. */
    public record Int8(double testAccuracy, double dropPoints, int calibrationImages, double onnxMs, Path onnxFile) {}

    /** Training images the int8 export is calibrated on (never test images). */
    static final int CALIBRATION_IMAGES = 512;

    private FashionMnistDemo() {}

    /**
     * Runs the demo. {@code stop} (e.g. {@link StopSignal#onShutdown()}) ends training early with a
     * resumable {@code last.safetensors}; the result then has {@link Result#stopped()} set and no test figures.
     */
    public static Result run(Options o, TrainingRun.Listener listener, java.util.function.BooleanSupplier stop)
            throws IOException {
        long start = System.nanoTime();
        Path dataDir = DataSources.fashionMnistDir(); // fails early with installation instructions
        Files.createDirectories(o.out());
        TrainingRun.Options t = recipe(
                o.model(),
                DataSources.FASHION_MNIST,
                o.imageSize(),
                o.batchSize(),
                o.epochs(),
                o.lr(),
                o.seed(),
                o.workers(),
                o.out(),
                o.trainSubset(),
                o.valSubset());
        TrainingRun.Result trained = TrainingRun.run(t, listener, stop);
        if (trained.stopped() != null) return Result.interrupted(o.model(), trained.last(), o.out());
        double ips = trained.history().stream()
                .mapToDouble(TrainingRun.EpochRecord::imagesPerSecond)
                .average()
                .orElse(0);

        // The final weights are tested: the per-epoch validation runs on test images, so choosing a
        // "best" epoch (or raw vs EMA) by it would select on the test set.
        Path tested = trained.last();
        listener.log("evaluating the final weights (" + tested.getFileName() + ") on the 10,000 test images ...");
        Validation.Report test = Validation.run(null, tested, DataSources.FASHION_MNIST, 0, 250, o.workers(), 0);
        Charts.confusion(
                test.result().confusion(), FashionMnist.CLASSES, o.out().resolve("confusion.png"));

        FashionMnist testSet = FashionMnist.load(dataDir, "t10k");
        Path samplesDir = o.out().resolve("samples");
        Files.createDirectories(samplesDir);
        List<Path> files = new ArrayList<>();
        List<String> truths = new ArrayList<>();
        float[] px = new float[28 * 28];
        for (int i = 0; i < 6; i++) {
            int label = testSet.read(i, px);
            Path f = samplesDir.resolve(String.format("test-%05d.png", i));
            ImageFiles.writeGreyPng(px, 28, 28, f);
            files.add(f);
            truths.add(FashionMnist.CLASSES.get(label));
        }
        List<Sample> samples = new ArrayList<>();
        Latency latency;
        try (Predictor eager = Predictor.open(null, tested, null, 0)) {
            List<List<Predictor.Prediction>> preds = eager.predict(files, 1);
            for (int i = 0; i < files.size(); i++) {
                Predictor.Prediction top = preds.get(i).get(0);
                samples.add(new Sample(
                        o.out().relativize(files.get(i)).toString(), truths.get(i), top.label(), top.probability()));
            }
            listener.log("exporting to ONNX and timing batch-1 inference in libtorch and ONNX Runtime ...");
            latency = exportAndTime(eager, tested, files.get(0), o.out().resolve("model.onnx"));
        }
        listener.log("exporting int8 (calibrated on " + CALIBRATION_IMAGES
                + " training images) and testing it on the 10,000 test images ...");
        Int8 int8 =
                int8(tested, o.out().resolve("model.int8.onnx"), test.result().top1(), files.get(0), o.workers());
        double wall = (System.nanoTime() - start) / 1e9;

        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", o.model());
        m.put("image_size", o.imageSize());
        m.put("test_accuracy", test.result().top1());
        m.put("test_top5", test.result().top5());
        m.put("test_images", test.result().images());
        m.put("wall_seconds", wall);
        m.put("epochs", o.epochs());
        m.put("train_images_per_epoch", o.trainSubset() <= 0 ? 60_000 : Math.min(60_000, o.trainSubset()));
        m.put("batch_size", o.batchSize());
        m.put("train_images_per_second", ips);
        m.put("tested_weights", "final (epoch " + o.epochs() + ")");
        Map<String, Object> lat = new LinkedHashMap<>();
        lat.put("libtorch_eager_batch1_ms", latency.torchMs());
        lat.put("onnxruntime_batch1_ms", latency.onnxMs());
        lat.put("onnx_speedup", latency.torchMs() / latency.onnxMs());
        lat.put("threads", latency.threads());
        lat.put("precision", "float32");
        lat.put("runs", TIMED_RUNS);
        lat.put("onnx_vs_eager_max_abs_logit_diff", latency.maxAbsLogitDiff());
        lat.put("onnx_file", o.out().relativize(latency.onnxFile()).toString());
        m.put("latency", lat);
        Map<String, Object> q = new LinkedHashMap<>();
        q.put("precision", "int8");
        q.put("test_accuracy", int8.testAccuracy());
        q.put("drop_points", int8.dropPoints());
        q.put("calibration", DataSources.FASHION_MNIST + " training images");
        q.put("calibration_images", int8.calibrationImages());
        q.put("calibration_method", QuantOptions.defaults().method().label());
        q.put("onnxruntime_batch1_ms", int8.onnxMs());
        q.put("onnx_file", o.out().relativize(int8.onnxFile()).toString());
        m.put("int8", q);
        m.put("class_names", FashionMnist.CLASSES);
        m.put("confusion", test.result().confusion());
        m.put("samples", samples);
        m.put("history", trained.history().stream().map(TrainingRun::row).toList());
        m.put("checkpoint", o.out().relativize(tested).toString());
        m.put("charts", List.of(TrainingRun.CURVES, "confusion.png"));
        byte[] bytes = JSON.writeValueAsBytes(m);
        AtomicFiles.write(o.out().resolve("metrics.json"), out -> out.write(bytes));
        return new Result(
                o.model(),
                test.result().top1(),
                test.result().top5(),
                test.result().images(),
                wall,
                o.epochs(),
                ips,
                latency,
                int8,
                samples,
                o.out(),
                null);
    }

    /**
     * The project's CPU training recipe: warm-up 0.3 epochs from 1e-5, cosine to 1e-5, weight decay
     * 0.05, label smoothing 0.1, no drop-path or EMA, gradient-norm clip 5.
     */
    public static TrainingRun.Options recipe(
            String model,
            String dataset,
            int imageSize,
            int batchSize,
            int epochs,
            double lr,
            long seed,
            int workers,
            Path out,
            int trainSubset,
            int valSubset) {
        return new TrainingRun.Options(
                model,
                dataset,
                imageSize,
                batchSize,
                epochs,
                lr,
                1e-5,
                1e-5,
                0.3,
                0.05,
                0.1,
                0.0,
                0,
                5.0,
                seed,
                workers,
                out,
                null,
                null,
                null,
                trainSubset,
                valSubset,
                0);
    }

    /**
     * Exports the tested checkpoint (deploy form, with its class names and preprocessing; {@code eager}
     * holds the same weights) to
     * {@code onnx}, opens that file the way {@code predict --weights model.onnx} does, checks ONNX
     * Runtime's logits against the eager model's for {@code image}, and times batch 1 in both.
     */
    static Latency exportAndTime(Predictor eager, Path checkpoint, Path image, Path onnx) throws IOException {
        Exporter.exportWeights(
                null,
                checkpoint,
                onnx,
                ExportOptions.defaults().withDeploy(true).withBatch(1),
                0,
                0);
        try (Predictor ort = Predictor.open(null, onnx, null, 0, Predictor.Runtime.ONNX)) {
            List<float[]> x = List.of(eager.preprocess(image));
            double diff = Tensors.maxAbsDiff(eager.logits(x)[0], ort.logits(x)[0]);
            double[] torchMs = Timing.time(WARMUP_RUNS, TIMED_RUNS, () -> eager.logits(x));
            double[] onnxMs = Timing.time(WARMUP_RUNS, TIMED_RUNS, () -> ort.logits(x));
            return new Latency(Timing.median(torchMs), Timing.median(onnxMs), Tensors.threads(), onnx, diff);
        }
    }

    /**
     * Exports the tested checkpoint as static int8 (deploy form, calibrated on Fashion-MNIST
     * training images), tests it on the 10,000 test images as {@code validate} would, and times
     * batch 1 in ONNX Runtime.
     */
    static Int8 int8(Path checkpoint, Path onnx, double floatTop1, Path image, int workers) throws IOException {
        Exporter.exportWeights(
                null,
                checkpoint,
                onnx,
                ExportOptions.defaults().withDeploy(true).withBatch(1).withChannelsLast(true),
                0,
                0,
                Quantization.pass(
                        Precision.INT8,
                        new Quantization.Calibration(DataSources.FASHION_MNIST, CALIBRATION_IMAGES),
                        QuantOptions.defaults(),
                        false,
                        i -> {}));
        Validation.Report r = Validation.run(null, onnx, DataSources.FASHION_MNIST, 0, 250, workers, 0);
        try (Predictor ort = Predictor.open(null, onnx, null, 0, Predictor.Runtime.ONNX)) {
            List<float[]> x = List.of(ort.preprocess(image));
            double ms = Timing.median(Timing.time(WARMUP_RUNS, TIMED_RUNS, () -> ort.logits(x)));
            return new Int8(r.result().top1(), 100 * (floatTop1 - r.result().top1()), CALIBRATION_IMAGES, ms, onnx);
        }
    }
}
