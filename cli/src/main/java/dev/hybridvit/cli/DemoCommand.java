package dev.hybridvit.cli;

import dev.hybridvit.apps.train.FashionMnistDemo;
import dev.hybridvit.apps.train.SegmentationDemo;
import dev.hybridvit.train.StopSignal;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code demo}: train a compact hybrid on Fashion-MNIST, test it, predict samples, write a report;
 * with {@code --task segmentation}, fine-tune Semantic FPN on Fashion-MNIST scenes.
 */
@Command(
        name = "demo",
        description =
                "Train a compact hybrid on Fashion-MNIST, evaluate it on the 10,000 test images, export it to ONNX,"
                        + " time libtorch vs ONNX Runtime, write a report folder. --task segmentation: fine-tune"
                        + " Semantic FPN on Fashion-MNIST scenes from the classification demo's checkpoint, report"
                        + " mIoU, overlays and a per-class IoU chart (default folder demo-segmentation).")
final class DemoCommand implements Callable<Integer> {
    @Option(
            names = "--task",
            defaultValue = "classification",
            description = "classification or segmentation (default: ${DEFAULT-VALUE})")
    String task;

    @Option(
            names = "--iters",
            description = "segmentation: training iterations (default: " + SegmentationDemo.DEFAULT_ITERS + ")")
    Integer iters;

    @Option(
            names = "--scenes",
            description = "segmentation: training scenes (validation: a quarter; default: "
                    + SegmentationDemo.DEFAULT_SCENES + ")")
    Integer scenes;

    @Option(
            names = "--init",
            description = "segmentation: classification checkpoint for the backbone, used if it exists (default: "
                    + "demo-report/best.safetensors, the classification demo's)")
    Path init;

    @Spec
    CommandSpec spec;

    private static final FashionMnistDemo.Options D = FashionMnistDemo.Options.defaults(Path.of("demo-report"));

    @Option(names = "--out", defaultValue = "demo-report", description = "report folder (default: ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--model", description = "registered model (default: " + FashionMnistDemo.DEFAULT_MODEL + ")")
    String model;

    @Option(
            names = "--img-size",
            description = "input resolution (default: " + FashionMnistDemo.DEFAULT_IMAGE_SIZE + ")")
    Integer imgSize;

    @Option(names = "--epochs", description = "training epochs (default: " + FashionMnistDemo.DEFAULT_EPOCHS + ")")
    Integer epochs;

    @Option(names = "--train-subset", description = "use only the first N training images (default: all 60,000)")
    Integer trainSubset;

    @Option(
            names = "--val-subset",
            description = "test images tracked per epoch, for the curves (default: "
                    + FashionMnistDemo.DEFAULT_VAL_SUBSET + ")")
    Integer valSubset;

    @Option(
            names = {"-b", "--batch-size"},
            description = "default: " + FashionMnistDemo.DEFAULT_BATCH)
    Integer batchSize;

    @Option(names = "--lr", description = "peak learning rate (default: " + FashionMnistDemo.DEFAULT_LR + ")")
    Double lr;

    @Option(
            names = {"-j", "--workers"},
            description = "data loading threads (default: 1)")
    Integer workers;

    @Option(names = "--seed", defaultValue = "0")
    long seed;

    @Override
    public Integer call() throws Exception {
        if (task.equals("segmentation")) return segmentation();
        if (!task.equals("classification"))
            throw new IllegalArgumentException("--task " + task + ": expected classification or segmentation");
        FashionMnistDemo.Options o = new FashionMnistDemo.Options(
                out,
                model == null ? D.model() : model,
                or(imgSize, D.imageSize()),
                or(epochs, D.epochs()),
                or(trainSubset, D.trainSubset()),
                or(valSubset, D.valSubset()),
                or(batchSize, D.batchSize()),
                lr == null ? D.lr() : lr,
                or(workers, D.workers()),
                seed);
        if (o.epochs() < 1 || o.batchSize() < 1 || o.workers() < 1)
            throw new IllegalArgumentException("--epochs, -b and -j must be ≥ 1");
        System.out.printf(
                Locale.ROOT,
                "demo: %s on Fashion-MNIST, %d epochs of %s training images, batch %d -> %s%n",
                o.model(),
                o.epochs(),
                o.trainSubset() <= 0 ? "60,000" : String.format(Locale.ROOT, "%,d", o.trainSubset()),
                o.batchSize(),
                out);
        FashionMnistDemo.Result r;
        // Ctrl-C: the step under way completes and out/last.safetensors is written (resume it with `train --resume`)
        try (StopSignal stop = StopSignal.onShutdown()) {
            r = FashionMnistDemo.run(o, new ConsoleProgress(System.out, o.epochs()), stop);
            if (r.stopped() != null) {
                System.out.println("interrupted; the checkpoint " + r.stopped() + " continues with:");
                System.out.println(
                        "  ./hybridvit train --resume " + r.stopped() + " --dataset fashion-mnist --output " + out);
                return TrainCommand.INTERRUPTED;
            }
        }
        for (FashionMnistDemo.Sample s : r.samples()) {
            System.out.printf(
                    Locale.ROOT,
                    "  %s: %s (%.1f%%), truth %s%n",
                    s.file(),
                    s.predicted(),
                    100 * s.probability(),
                    s.truth());
        }
        FashionMnistDemo.Latency l = r.latency();
        System.out.printf(Locale.ROOT, "training throughput %.0f images/s%n", r.trainImagesPerSecond());
        System.out.printf(
                Locale.ROOT,
                "batch-1 latency (float32, %d threads, median of 50): libtorch eager %.2f ms, ONNX Runtime %.2f ms"
                        + " (%.1fx); ONNX logits within %.1e of eager -> %s%n",
                l.threads(),
                l.torchMs(),
                l.onnxMs(),
                l.torchMs() / l.onnxMs(),
                l.maxAbsLogitDiff(),
                l.onnxFile());
        FashionMnistDemo.Int8 q = r.int8();
        System.out.printf(
                Locale.ROOT,
                "int8 export (calibrated on %d training images): test accuracy %.2f%% (%+.2f points vs float32),"
                        + " ONNX Runtime batch 1 %.2f ms -> %s%n",
                q.calibrationImages(),
                100 * q.testAccuracy(),
                -q.dropPoints(),
                q.onnxMs(),
                q.onnxFile());
        System.out.println("report: " + r.report().resolve("metrics.json"));
        System.out.printf(
                Locale.ROOT, "test accuracy: %.2f%% (%,d test images)%n", 100 * r.testAccuracy(), r.testImages());
        System.out.printf(Locale.ROOT, "wall time: %.0f s (%.1f min)%n", r.wallSeconds(), r.wallSeconds() / 60);
        return 0;
    }

    private int segmentation() throws Exception {
        SegmentationDemo.Options d = SegmentationDemo.Options.defaults(Path.of("demo-segmentation"));
        SegmentationDemo.Options o = new SegmentationDemo.Options(
                spec.commandLine().getParseResult().hasMatchedOption("--out") ? out : d.out(),
                model == null ? d.model() : model,
                init == null ? d.init() : init,
                or(imgSize, d.size()),
                or(iters, d.iters()),
                or(batchSize, d.batchSize()),
                lr == null ? d.lr() : lr,
                or(scenes, d.scenes()),
                or(workers, d.workers()),
                seed);
        if (o.iters() < 1 || o.batchSize() < 1 || o.workers() < 1 || o.scenes() < 4)
            throw new IllegalArgumentException("--iters, -b and -j must be ≥ 1, --scenes ≥ 4");
        System.out.printf(
                Locale.ROOT,
                "demo: %s on %,d Fashion-MNIST scenes of %d px, %d iterations of batch %d -> %s%n",
                o.model(),
                o.scenes(),
                o.size(),
                o.iters(),
                o.batchSize(),
                o.out());
        SegmentationDemo.Result r;
        try (StopSignal stop = StopSignal.onShutdown()) {
            r = SegmentationDemo.run(o, new ConsoleProgress(System.out, 1), stop);
            if (r.stoppedAt() >= 0) {
                System.out.println("interrupted; the checkpoint " + r.last() + " continues with:");
                System.out.println("  ./hybridvit train --task segmentation --data scenes --output " + o.out()
                        + " --iters " + o.iters() + " --resume " + r.last());
                return TrainCommand.INTERRUPTED;
            }
        }
        System.out.printf(Locale.ROOT, "held-out scenes: %d%n", r.valImages());
        SegmentationTrainOptions.printMetrics(r.eval(), r.classes());
        System.out.println("report: " + r.report().resolve("demo_metrics.json") + ", "
                + r.report().resolve("class_iou.png") + ", overlays in "
                + r.report().resolve("overlays"));
        System.out.printf(Locale.ROOT, "wall time: %.0f s (%.1f min)%n", r.wallSeconds(), r.wallSeconds() / 60);
        return 0;
    }

    private static int or(Integer v, int d) {
        return v == null ? d : v;
    }
}
