package dev.hybridvit.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.hybridvit.data.DataSources;
import dev.hybridvit.data.FashionMnist;
import dev.hybridvit.data.ImageFiles;
import dev.hybridvit.infer.Predictor;
import dev.hybridvit.weights.AtomicFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The project's main job in one call: train the compact hybrid {@code nextvit_pico_hv} on
 * Fashion-MNIST, evaluate it on the 10,000 test images, classify a few test images written as
 * PNG files through the same path as {@code predict}, time eager libtorch inference, and write a
 * report folder with {@code metrics.json} and the training checkpoints.
 */
public final class FashionMnistDemo {
    public static final String MODEL = "nextvit_pico_hv";
    public static final int IMAGE_SIZE = 32;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * Demo settings.
     *
     * @param trainSubset training images used per epoch (≤ 0: all 60,000)
     * @param valSubset   test images used for the per-epoch validation (the final evaluation uses all)
     */
    public record Options(Path out, int epochs, int trainSubset, int valSubset, int batchSize, double lr, int workers, long seed) {
        /** Sized for about a quarter of an hour of training on a 2-core CPU. */
        public static Options defaults(Path out) {
            return new Options(out, 3, 15_000, 2_000, 128, 2e-3, 1, 0);
        }
    }

    /** A classified sample image. */
    public record Sample(String file, String truth, String predicted, double probability) {}

    /** What the demo measured. */
    public record Result(String model, double testAccuracy, double testTop5, long testImages, double wallSeconds, int epochs,
                         double trainImagesPerSecond, double latencyMsBatch1, List<Sample> samples, Path report) {}

    private FashionMnistDemo() {}

    public static Result run(Options o, TrainingRun.Listener listener) throws IOException {
        long start = System.nanoTime();
        Path dataDir = DataSources.fashionMnistDir(); // fails early with installation instructions
        Files.createDirectories(o.out());
        TrainingRun.Options t = new TrainingRun.Options(MODEL, DataSources.FASHION_MNIST, IMAGE_SIZE, o.batchSize(), o.epochs(), o.lr(),
                1e-5, 1e-5, 0.3, 0.05, 0.1, 0.0, 0, 5.0, o.seed(), o.workers(), o.out(), null, null, null, o.trainSubset(), o.valSubset(), 0);
        TrainingRun.Result trained = TrainingRun.run(t, listener);
        double ips = trained.history().stream().mapToDouble(TrainingRun.EpochRecord::imagesPerSecond).average().orElse(0);

        listener.log("evaluating " + trained.best().getFileName() + " on the 10,000 test images ...");
        Validation.Report test = Validation.run(null, trained.best(), DataSources.FASHION_MNIST, 0, 250, o.workers(), 0);

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
        double latencyMs;
        try (Predictor p = Predictor.open(null, trained.best(), null, 0)) {
            List<List<Predictor.Prediction>> preds = p.predict(files, 1);
            for (int i = 0; i < files.size(); i++) {
                Predictor.Prediction top = preds.get(i).get(0);
                samples.add(new Sample(o.out().relativize(files.get(i)).toString(), truths.get(i), top.label(), top.probability()));
            }
            latencyMs = eagerLatencyMs(p, files.get(0));
        }
        double wall = (System.nanoTime() - start) / 1e9;

        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", MODEL);
        m.put("image_size", IMAGE_SIZE);
        m.put("test_accuracy", test.result().top1());
        m.put("test_top5", test.result().top5());
        m.put("test_images", test.result().images());
        m.put("wall_seconds", wall);
        m.put("epochs", o.epochs());
        m.put("train_images_per_epoch", o.trainSubset() <= 0 ? 60_000 : Math.min(60_000, o.trainSubset()));
        m.put("batch_size", o.batchSize());
        m.put("train_images_per_second", ips);
        m.put("best_epoch", trained.bestEpoch());
        Map<String, Object> latency = new LinkedHashMap<>();
        latency.put("libtorch_eager_batch1_ms", latencyMs);
        // TODO(onnx): the ONNX export and ORT benchmark land with the `export`/`benchmark` commands;
        // call them here and add "onnxruntime_batch1_ms" next to the eager number.
        latency.put("onnxruntime_batch1_ms", null);
        m.put("latency", latency);
        m.put("class_names", FashionMnist.CLASSES);
        m.put("confusion", test.result().confusion());
        m.put("samples", samples);
        m.put("history", trained.history().stream().map(TrainingRun::row).toList());
        m.put("checkpoint", o.out().relativize(trained.best()).toString());
        byte[] bytes = JSON.writeValueAsBytes(m);
        AtomicFiles.write(o.out().resolve("metrics.json"), out -> out.write(bytes));
        return new Result(MODEL, test.result().top1(), test.result().top5(), test.result().images(), wall, o.epochs(), ips, latencyMs,
                samples, o.out());
    }

    /** Median wall time of a batch-1 forward in eval mode (eager libtorch), after warm-up. */
    static double eagerLatencyMs(Predictor p, Path image) throws IOException {
        List<float[]> x = List.of(p.preprocess(image));
        double[] times = new double[25];
        for (int i = -5; i < times.length; i++) {
            long t0 = System.nanoTime();
            p.logits(x);
            if (i >= 0) times[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(times);
        return times[times.length / 2];
    }
}
