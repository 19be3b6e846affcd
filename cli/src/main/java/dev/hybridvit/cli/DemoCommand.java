package dev.hybridvit.cli;

import dev.hybridvit.apps.train.FashionMnistDemo;
import dev.hybridvit.train.StopSignal;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code demo}: train a compact hybrid on Fashion-MNIST, test it, predict samples, write a report. */
@Command(
        name = "demo",
        description =
                "Train a compact hybrid on Fashion-MNIST, evaluate it on the 10,000 test images, export it to ONNX,"
                        + " time libtorch vs ONNX Runtime, write a report folder.")
final class DemoCommand implements Callable<Integer> {
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

    private static int or(Integer v, int d) {
        return v == null ? d : v;
    }
}
