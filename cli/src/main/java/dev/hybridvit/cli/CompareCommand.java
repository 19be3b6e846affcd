package dev.hybridvit.cli;

import dev.hybridvit.infer.OnnxPredictor;
import dev.hybridvit.profile.InterleavedComparison;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code compare A.onnx B.onnx}: which of two exports of a model is faster, judged in one process. */
@Command(
        name = "compare",
        description = "Compare the ONNX Runtime latency of two exports of a model, interleaved in one process "
                + "(the median paired difference B − A and its quartiles), and their logits on the same input.")
final class CompareCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "A.onnx")
    Path a;

    @Parameters(index = "1", paramLabel = "B.onnx")
    Path b;

    @Option(names = "--rounds", description = "rounds of one block of A and one of B (default: ${DEFAULT-VALUE})")
    int rounds = 20;

    @Option(
            names = "--block",
            description = "timed runs per block, of which the median counts (default: ${DEFAULT-VALUE})")
    int block = 7;

    @Option(names = "--threads", description = "ORT intra-op threads (default: cores)")
    int threads;

    @Override
    public Integer call() throws Exception {
        for (Path p : new Path[] {a, b}) if (!Files.isRegularFile(p)) throw new NoSuchFileException(p.toString());
        OnnxPredictor.Options options = OnnxPredictor.Options.defaults().withThreads(threads);
        try (OnnxPredictor pa = OnnxPredictor.open(a, options);
                OnnxPredictor pb = OnnxPredictor.open(b, options)) {
            if (pa.exportedBatch() != pb.exportedBatch()) {
                throw new IllegalArgumentException("the exports have different batch sizes: " + describe(pa) + " (" + a
                        + ") vs " + describe(pb) + " (" + b + ")");
            }
            int batch = Math.max(1, pa.exportedBatch());
            System.err.printf(
                    "comparing %s (A) and %s (B): batch %d, %d×%d, %d threads, %d rounds of %d runs each%n",
                    a, b, batch, pa.height(), pa.width(), pa.threads(), rounds, block);
            InterleavedComparison.Result r =
                    InterleavedComparison.run(pa, pb, batch, rounds, block, System.err::println);
            System.out.printf(
                    Locale.ROOT,
                    "A median %.2f ms, B median %.2f ms (A/B = %.2f); B − A: median %+.2f ms (quartiles %+.2f … %+.2f)%n",
                    r.medianA(),
                    r.medianB(),
                    r.medianA() / r.medianB(),
                    r.diffMedian(),
                    r.diffP25(),
                    r.diffP75());
            System.out.printf(
                    Locale.ROOT, "logits: max |A − B| %.3g (max |A| %.3g)%n", r.maxAbsLogitDiff(), r.maxAbsLogitA());
        }
        return 0;
    }

    private static String describe(OnnxPredictor p) {
        return p.exportedBatch() == 0 ? "dynamic batch" : "batch " + p.exportedBatch();
    }
}
