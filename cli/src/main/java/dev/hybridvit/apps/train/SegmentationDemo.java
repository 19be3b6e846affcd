package dev.hybridvit.apps.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.hybridvit.data.RgbImage;
import dev.hybridvit.data.SegmentationFolder;
import dev.hybridvit.data.SegmentationPipeline;
import dev.hybridvit.infer.Segmenter;
import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.VisionModel;
import dev.hybridvit.models.segmentation.SegmentationInference;
import dev.hybridvit.models.segmentation.SemanticFPN;
import dev.hybridvit.train.Charts;
import dev.hybridvit.train.SegmentationMetrics;
import dev.hybridvit.train.SegmentationTraining;
import dev.hybridvit.train.SegmentationValidation;
import dev.hybridvit.train.TrainingRun;
import dev.hybridvit.weights.AtomicFiles;
import dev.hybridvit.weights.WeightsLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * The segmentation counterpart of {@link FashionMnistDemo}: Semantic FPN on the compact TRT-ViT
 * fine-tuned on Fashion-MNIST scenes ({@code train --task segmentation --data scenes}), its
 * backbone initialised from the classification demo's {@code best.safetensors} when that file
 * exists, then mIoU on all held-out scenes, prediction and ground-truth overlays of a few of them,
 * a per-class IoU chart and {@code metrics.json}.
 */
public final class SegmentationDemo {
    public static final String DEFAULT_MODEL = SemanticFPN.PREFIX + FashionMnistDemo.DEFAULT_MODEL;
    /** The classification demo's default report folder and checkpoint, the backbone's initialisation. */
    public static final Path DEFAULT_INIT = Path.of("demo-report", TrainingRun.BEST);

    public static final int DEFAULT_SIZE = 64, DEFAULT_ITERS = 1500, DEFAULT_BATCH = 8, DEFAULT_SCENES = 2000;
    public static final double DEFAULT_LR = 1e-3;
    private static final int OVERLAYS = 6;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Demo settings; {@code init} is used only if it exists. */
    public record Options(
            Path out,
            String model,
            Path init,
            int size,
            int iters,
            int batchSize,
            double lr,
            int scenes,
            int workers,
            long seed) {
        public static Options defaults(Path out) {
            return new Options(
                    out,
                    DEFAULT_MODEL,
                    DEFAULT_INIT,
                    DEFAULT_SIZE,
                    DEFAULT_ITERS,
                    DEFAULT_BATCH,
                    DEFAULT_LR,
                    DEFAULT_SCENES,
                    1,
                    0);
        }
    }

    /** What the demo measured; {@code initialisedFrom} is null for a random backbone, {@code stoppedAt} ≥ 0 when interrupted. */
    public record Result(
            String model,
            Path initialisedFrom,
            SegmentationMetrics.Result eval,
            List<String> classes,
            int valImages,
            double wallSeconds,
            Path report,
            Path last,
            int stoppedAt) {}

    private SegmentationDemo() {}

    public static Result run(Options o, TrainingRun.Listener listener, BooleanSupplier stop) throws IOException {
        long start = System.nanoTime();
        Files.createDirectories(o.out());
        Path init = Files.isRegularFile(o.init()) ? o.init() : null;
        listener.log(
                init == null
                        ? "no " + o.init()
                                + " (run `demo` first to start from its classifier): backbone initialised at random"
                        : "backbone initialised from " + o.init());
        SegmentationTraining.Options t = new SegmentationTraining.Options(
                o.model(),
                SegmentationTraining.SCENES,
                false,
                o.size(),
                o.batchSize(),
                o.iters(),
                o.lr(),
                1e-4,
                Math.min(100, o.iters() / 10),
                1.0,
                Math.max(1, o.iters() / 5),
                100,
                0,
                false,
                o.scenes(),
                o.seed(),
                o.workers(),
                o.out(),
                null,
                init,
                0);
        SegmentationTraining.Result r = SegmentationTraining.run(t, listener, stop);
        if (r.stoppedAt() >= 0)
            return new Result(
                    o.model(),
                    init,
                    null,
                    r.classes(),
                    0,
                    (System.nanoTime() - start) / 1e9,
                    o.out(),
                    r.last(),
                    r.stoppedAt());
        SegmentationFolder val = SegmentationTraining.openData(t, o.size())[1];
        Path overlays = Files.createDirectories(o.out().resolve("overlays"));
        try (VisionModel m = ModelRegistry.get(o.model())
                .create(
                        ModelOptions.defaults()
                                .withNumClasses(r.classes().size())
                                .withImageSize(o.size()),
                        0)) {
            WeightsLoader.load(m, r.best());
            SemanticFPN fpn = (SemanticFPN) m;
            SegmentationPipeline pipeline = SegmentationPipeline.forCrop(o.size());
            for (int i = 0; i < Math.min(OVERLAYS, val.size()); i++) {
                SegmentationFolder.Sample s = val.read(i);
                RgbImage img = s.image();
                if (img.width() != img.height()) continue;
                float[] rgb = img.toTensor(0, 0, img.height(), img.width());
                int[] predicted = SegmentationValidation.predict(fpn, pipeline, SegmentationInference.whole(), img);
                int[] truth = new int[s.label().length];
                for (int p = 0; p < truth.length; p++) truth[p] = (s.label()[p] & 0xff) % 255;
                String stem = String.format("scene_%05d", i);
                Segmenter.writeOverlay(
                        new Segmenter.Mask(predicted, rgb, img.height(), img.width()),
                        overlays.resolve(stem + "_pred.png"));
                Segmenter.writeOverlay(
                        new Segmenter.Mask(truth, rgb, img.height(), img.width()),
                        overlays.resolve(stem + "_truth.png"));
            }
        }
        SegmentationMetrics.Result eval = r.finalEval();
        Charts.classIoU(
                eval,
                r.classes(),
                o.model() + " on " + val.size() + " held-out scenes",
                o.out().resolve("class_iou.png"));
        double wall = (System.nanoTime() - start) / 1e9;
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("model", o.model());
        report.put("initialised_from", init == null ? null : init.toString());
        report.put("iters", o.iters());
        report.put("batch_size", o.batchSize());
        report.put("crop_size", o.size());
        report.put("lr", o.lr());
        report.put("training_scenes", o.scenes());
        report.put("validation_scenes", val.size());
        report.put("best_iter", r.bestIter());
        report.put("miou", eval.mIoU());
        report.put("macc", eval.mAcc());
        report.put("aacc", eval.aAcc());
        Map<String, Object> perClass = new LinkedHashMap<>();
        for (int c = 0; c < r.classes().size(); c++) {
            double v = eval.iou().get(c);
            perClass.put(r.classes().get(c), Double.isNaN(v) ? null : v);
        }
        report.put("class_iou", perClass);
        report.put("wall_seconds", wall);
        report.put("threads", dev.hybridvit.tensor.Tensors.threads());
        byte[] bytes = JSON.writeValueAsBytes(report);
        AtomicFiles.write(o.out().resolve("demo_metrics.json"), out -> out.write(bytes));
        return new Result(o.model(), init, eval, r.classes(), val.size(), wall, o.out(), r.last(), -1);
    }
}
