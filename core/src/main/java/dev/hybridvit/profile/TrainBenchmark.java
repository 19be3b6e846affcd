package dev.hybridvit.profile;

import dev.hybridvit.data.BatchLoader;
import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.VisionModel;
import dev.hybridvit.tensor.Tensors;
import dev.hybridvit.train.Trainer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Training throughput: images/s of a full train step — forward in training mode (drop-path,
 * batch statistics), label-smoothed cross entropy, backward, AdamW with gradient clipping —
 * through {@link Trainer#step}, the code path of real training, on a fixed random batch. The
 * process RSS at step 10, half-way and after the last step shows whether memory stays flat (every
 * step runs in its own NDManager scope). RSS rises over the first few hundred steps while the
 * native allocator settles, so flatness is judged on the second half ({@code rssGrowthMb}).
 */
public final class TrainBenchmark {
    /** Step at which the reference RSS is taken (or the last step, if earlier). */
    public static final int RSS_REFERENCE_STEP = 10;

    private TrainBenchmark() {}

    /** What to measure; {@code imageSize} 0 = each model's native size, {@code threads} 0 = all cores. */
    public record Config(
            List<String> models, List<Integer> batches, int imageSize, int threads, int steps, int warmup) {
        public Config {
            for (String m : models) ModelRegistry.get(m);
            for (int b : batches) if (b < 1) throw new IllegalArgumentException("batch must be at least 1, got " + b);
            if (steps < 1) throw new IllegalArgumentException("--steps must be at least 1, got " + steps);
            if (warmup < 0 || threads < 0)
                throw new IllegalArgumentException("--warmup and --threads must not be negative");
        }
    }

    /** One model at one batch size; step times are over the steps after {@code warmup}. */
    public record Record(
            String model,
            int imgSize,
            int batch,
            long params,
            int steps,
            int warmup,
            double stepMsMedian,
            double stepMsP90,
            double imagesPerS,
            int rssReferenceStep,
            double rssMbAtReference,
            int rssHalfStep,
            double rssMbAtHalf,
            double rssMbAtEnd,
            double rssGrowthMb,
            double peakRssMb,
            int threads,
            Benchmark.Machine machine,
            String runtimeVersion) {}

    public static List<Record> run(Config c, Consumer<String> log) {
        int threads = c.threads() > 0 ? c.threads() : Runtime.getRuntime().availableProcessors();
        Tensors.setThreads(threads);
        Benchmark.Machine machine = Benchmark.Machine.current();
        log.accept(String.format(
                Locale.ROOT,
                "machine: %s, %d cores; %s; float32; %d threads; train step = forward + backward + AdamW",
                machine.cpu(),
                machine.cores(),
                Tensors.engineVersion(),
                threads));
        List<Record> out = new ArrayList<>();
        for (String name : c.models()) {
            for (int batch : c.batches()) {
                Record r = measure(name, batch, c, threads, machine, log);
                out.add(r);
                log.accept(render(r));
            }
        }
        return out;
    }

    private static Record measure(
            String name, int batch, Config c, int threads, Benchmark.Machine machine, Consumer<String> log) {
        try (VisionModel model =
                        ModelRegistry.get(name).create(ModelOptions.defaults().withImageSize(c.imageSize()), 0);
                Trainer trainer = new Trainer(model, Trainer.Config.defaults())) {
            int size = model.imageSize();
            SplittableRandom rnd = new SplittableRandom(42);
            int[] labels = new int[batch];
            for (int i = 0; i < batch; i++) labels[i] = rnd.nextInt(model.numClasses());
            BatchLoader.Batch data =
                    new BatchLoader.Batch(Benchmark.randomInput(batch, size), labels, batch, new int[] {3, size, size});
            model.setTraining(true);
            int reference = Math.min(RSS_REFERENCE_STEP, c.steps()),
                    half = Math.max(reference, c.steps() / 2),
                    every = Math.max(1, c.steps() / 10);
            double[] ms = new double[c.steps()];
            double rssAtReference = Double.NaN, rssAtHalf = Double.NaN;
            for (int s = 1; s <= c.steps(); s++) {
                long t0 = System.nanoTime();
                trainer.step(data, 1e-4, false);
                ms[s - 1] = (System.nanoTime() - t0) / 1e6;
                if (s == reference) rssAtReference = Benchmark.rssMb();
                if (s == half) rssAtHalf = Benchmark.rssMb();
                if (s % every == 0 && c.steps() >= 20) {
                    log.accept(String.format(
                            Locale.ROOT,
                            "  %s b%d step %d/%d: %.0f ms, RSS %.0f MB",
                            name,
                            batch,
                            s,
                            c.steps(),
                            ms[s - 1],
                            Benchmark.rssMb()));
                }
            }
            double rssAtEnd = Benchmark.rssMb();
            int warm = c.steps() > c.warmup() ? c.warmup() : 0;
            double[] timed = Arrays.copyOfRange(ms, warm, ms.length);
            Arrays.sort(timed);
            double median = Timing.percentile(timed, 0.5);
            return new Record(
                    name,
                    size,
                    batch,
                    model.parameterCount(),
                    c.steps(),
                    warm,
                    median,
                    Timing.percentile(timed, 0.9),
                    batch / (median / 1e3),
                    reference,
                    rssAtReference,
                    half,
                    rssAtHalf,
                    rssAtEnd,
                    rssAtEnd - rssAtHalf,
                    Benchmark.peakRssMb(),
                    threads,
                    machine,
                    Tensors.engineVersion());
        }
    }

    /** One line per record. */
    public static String render(Record r) {
        return String.format(
                Locale.ROOT,
                "%-16s train b%-3d %3dpx  step median %8.1f ms  p90 %8.1f ms  %8.1f img/s  RSS %.0f MB at step %d, %.0f MB at step %d, "
                        + "%.0f MB at step %d (%+.0f MB over the second half)  [float32, %d threads, %s]",
                r.model(),
                r.batch(),
                r.imgSize(),
                r.stepMsMedian(),
                r.stepMsP90(),
                r.imagesPerS(),
                r.rssMbAtReference(),
                r.rssReferenceStep(),
                r.rssMbAtHalf(),
                r.rssHalfStep(),
                r.rssMbAtEnd(),
                r.steps(),
                r.rssGrowthMb(),
                r.threads(),
                r.runtimeVersion());
    }
}
