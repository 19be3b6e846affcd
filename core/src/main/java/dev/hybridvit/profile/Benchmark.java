package dev.hybridvit.profile;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.onnxruntime.OrtEnvironment;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.hybridvit.export.ExportOptions;
import dev.hybridvit.export.Exporter;
import dev.hybridvit.export.quant.Precision;
import dev.hybridvit.export.quant.QuantOptions;
import dev.hybridvit.export.quant.Quantization;
import dev.hybridvit.infer.OnnxPredictor;
import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.ModelSpec;
import dev.hybridvit.models.VisionModel;
import dev.hybridvit.nn.MacCounter;
import dev.hybridvit.tensor.Tensors;
import dev.hybridvit.weights.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * The deployment benchmark: per model, runtime ({@code torch} = eager libtorch through DJL,
 * {@code onnx} = our deploy-form export in ONNX Runtime) and batch size, the median and p90
 * latency after warm-up, throughput, achieved GFLOP/s (2 × MACs per image / time) and its
 * fraction of the machine's peak, measured in the same run by {@link PeakProbe} with the same
 * thread count. Peak memory is the process's resident-set high-water mark (VmHWM), reset before
 * each measurement where the kernel allows it.
 *
 * <p>With a baseline folder, a model's {@code <model>.onnx} there is timed together with our export,
 * interleaved in blocks ({@link InterleavedComparison}) so that the machine's drift hits both alike,
 * and reported as runtime {@value #PYTORCH_REIMPL}: the graph {@code torch.onnx.export} makes from the
 * project's PyTorch re-implementation of the official code ({@code tools/pytorch-reimplementation},
 * checked there against the official logits).
 */
public final class Benchmark {
    private static final int PEAK_RUNS = 10;
    /** The runtime label of a PyTorch re-implementation's export timed from the baseline folder. */
    public static final String PYTORCH_REIMPL = "pytorch-reimpl-onnx";
    /** The runtime label of our static int8 (QDQ) export, timed interleaved with the float32 one. */
    public static final String ONNX_INT8 = "onnx-int8";
    /** Calibration images for the int8 export timed here: random inputs (speed does not depend on the ranges). */
    private static final int BENCH_CALIBRATION_IMAGES = 4;

    private Benchmark() {}

    /**
     * What to measure. {@code imageSize} 0 = each model's native size; {@code threads} 0 = all cores;
     * {@code baselineDir} null = no PyTorch re-implementation exports to time.
     */
    public record Config(
            List<String> models,
            List<String> runtimes,
            List<Integer> batches,
            int imageSize,
            int threads,
            int runs,
            int warmup,
            Path profileDir,
            Path baselineDir,
            List<String> precisions) {
        /** float32 only. */
        public Config(
                List<String> models,
                List<String> runtimes,
                List<Integer> batches,
                int imageSize,
                int threads,
                int runs,
                int warmup,
                Path profileDir,
                Path baselineDir) {
            this(models, runtimes, batches, imageSize, threads, runs, warmup, profileDir, baselineDir, List.of("fp32"));
        }

        public Config {
            precisions = precisions.stream()
                    .map(p -> Precision.parse(p).label())
                    .distinct()
                    .toList();
            for (String p : precisions) {
                if (p.equals("fp16"))
                    throw new IllegalArgumentException("precision fp16 is for GPU runtimes; benchmark fp32 and int8");
            }
            if (precisions.contains("int8") && !runtimes.contains("onnx"))
                throw new IllegalArgumentException("int8 is timed in ONNX Runtime: add the onnx runtime");
            if (baselineDir != null && !Files.isDirectory(baselineDir)) {
                throw new IllegalArgumentException("baseline folder " + baselineDir + " does not exist");
            }
            if (baselineDir != null && !runtimes.contains("onnx")) {
                throw new IllegalArgumentException("a baseline is compared with our ONNX export: add the onnx runtime");
            }
            for (String r : runtimes) {
                if (!r.equals("torch") && !r.equals("onnx"))
                    throw new IllegalArgumentException("unknown runtime '" + r + "' (torch, onnx)");
            }
            for (String m : models) ModelRegistry.get(m);
            for (int b : batches) if (b < 1) throw new IllegalArgumentException("batch must be at least 1, got " + b);
            if (runs < 1) throw new IllegalArgumentException("runs must be at least 1, got " + runs);
            if (threads < 0) throw new IllegalArgumentException("threads must be positive, got " + threads);
        }

        boolean int8() {
            return precisions.contains("int8");
        }

        public int effectiveThreads() {
            return threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        }
    }

    /** The machine a figure was measured on. */
    public record Machine(String cpu, int cores, String os, String java) {
        public static Machine current() {
            String cpu = "unknown";
            try {
                for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                    if (line.startsWith("model name")) {
                        cpu = line.substring(line.indexOf(':') + 1).trim();
                        break;
                    }
                }
            } catch (IOException | RuntimeException ignored) {
                // not Linux
            }
            return new Machine(
                    cpu,
                    Runtime.getRuntime().availableProcessors(),
                    System.getProperty("os.name") + " " + System.getProperty("os.arch"),
                    System.getProperty("java.version"));
        }
    }

    /** One line of the JSON report (snake_case keys). */
    public record Record(
            String model,
            String family,
            String runtime,
            int batch,
            int imgSize,
            long params,
            long macsPerImage,
            double latencyMsMedian,
            double latencyMsP90,
            double latencyMsMin,
            double imagesPerS,
            double gflopsAchieved,
            double peakGflops,
            double fractionOfPeak,
            double peakRssMb,
            String memoryNote,
            int threads,
            String precision,
            boolean deploy,
            int runs,
            int warmup,
            Machine machine,
            String runtimeVersion,
            Double speedupVsFp32) {}

    /** Runs the whole matrix; progress and results go to {@code log}. */
    public static List<Record> run(Config c, Consumer<String> log) throws IOException {
        int threads = c.effectiveThreads();
        Machine machine = Machine.current();
        String ortVersion = "onnxruntime " + OrtEnvironment.getEnvironment().getVersion();
        String torchVersion = Tensors.engineVersion();
        if (c.runtimes().contains("torch")) Tensors.setThreads(threads);
        log.accept(String.format(
                Locale.ROOT,
                "machine: %s, %d cores; %s; %s; %s; %d threads",
                machine.cpu(),
                machine.cores(),
                ortVersion,
                torchVersion,
                String.join(", ", c.precisions()),
                threads));
        List<Record> out = new ArrayList<>();
        for (String name : c.models()) {
            ModelSpec spec = ModelRegistry.get(name);
            ModelOptions opts = ModelRegistry.defaultOptions(name).withImageSize(c.imageSize());
            try (VisionModel model = spec.create(opts, 0);
                    PeakProbe peakProbe = PeakProbe.open(threads)) {
                int size = model.imageSize();
                NDArray probe = model.manager().zeros(new Shape(1, 3, size, size));
                long macs = MacCounter.count(1, () -> {
                    model.predict(probe).close();
                    return null;
                });
                probe.close();
                try {
                    model.reparameterize();
                } catch (UnsupportedOperationException none) {
                    // no deploy form
                }
                Path baseline = c.baselineDir() == null ? null : c.baselineDir().resolve(name + ".onnx");
                Path reimpl = baseline != null && Files.isRegularFile(baseline) ? baseline : null;
                for (int batch : c.batches()) {
                    float[] input = randomInput(batch, size);
                    for (String runtime : c.runtimes()) {
                        List<Record> records = runtime.equals("torch")
                                ? measure(
                                        c,
                                        peakProbe,
                                        model,
                                        macs,
                                        batch,
                                        torchVersion,
                                        machine,
                                        () -> List.of(
                                                new Series("torch", timeTorch(model, input, batch, size, c), null)))
                                : measure(
                                        c,
                                        peakProbe,
                                        model,
                                        macs,
                                        batch,
                                        ortVersion,
                                        machine,
                                        () -> timeOnnx(model, input, batch, size, threads, c, reimpl, log));
                        for (Record r : records) {
                            out.add(r);
                            log.accept(render(r));
                        }
                    }
                }
            }
        }
        return out;
    }

    /** The timed runs of one runtime; {@code speedup}: over float32 in the same interleaved runs (int8 only). */
    private record Series(String runtime, double[] ms, Double speedup) {}

    /** Timed runs, one series per runtime measured. */
    private interface Timed {
        List<Series> run() throws IOException;
    }

    /**
     * Records of our model, one per runtime of {@code timed}. The peak is probed right before and
     * right after the model (the faster of the two medians), because a shared machine's speed drifts
     * over minutes. Not interleaved: the 48 MB MatMul would evict the model's weights from the cache
     * between its runs.
     */
    private static List<Record> measure(
            Config c,
            PeakProbe peakProbe,
            VisionModel model,
            long macs,
            int batch,
            String version,
            Machine machine,
            Timed timed)
            throws IOException {
        boolean reset = resetPeakRss();
        double before = peakProbe.gflops(PEAK_RUNS);
        List<Series> series = timed.run();
        double peak = Math.max(before, peakProbe.gflops(PEAK_RUNS));
        List<Record> out = new ArrayList<>();
        for (Series s : series) {
            out.add(record(
                    c,
                    model,
                    macs,
                    s.runtime(),
                    batch,
                    !s.runtime().equals(PYTORCH_REIMPL),
                    version,
                    machine,
                    s.ms(),
                    peak,
                    reset,
                    s.speedup()));
        }
        return out;
    }

    private static Record record(
            Config c,
            VisionModel model,
            long macs,
            String runtime,
            int batch,
            boolean deploy,
            String version,
            Machine machine,
            double[] ms,
            double peak,
            boolean reset,
            Double speedup) {
        double median = Timing.median(ms), p90 = Timing.percentile(ms, 0.9);
        double gflops = 2.0 * macs * batch / (median / 1e3) / 1e9;
        return new Record(
                model.spec().name(),
                model.spec().family(),
                runtime,
                batch,
                model.imageSize(),
                model.parameterCount(),
                macs,
                median,
                p90,
                ms[0],
                batch / (median / 1e3),
                gflops,
                peak,
                gflops / peak,
                peakRssMb(),
                reset
                        ? "process RSS high-water mark (VmHWM), reset before this measurement"
                        : "process RSS high-water mark (VmHWM) since JVM start (reset not permitted here)",
                c.effectiveThreads(),
                runtime.equals(ONNX_INT8) ? "int8" : "float32",
                deploy,
                ms.length,
                c.warmup(),
                machine,
                version,
                speedup);
    }

    private static double[] timeTorch(VisionModel model, float[] input, int batch, int size, Config c) {
        NDArray x = Tensors.fromFloats(model.manager(), input, batch, 3, size, size);
        try {
            return Timing.time(c.warmup(), c.runs(), () -> {
                NDArray y = model.predict(x);
                y.toFloatArray();
                y.close();
            });
        } finally {
            x.close();
        }
    }

    /**
     * Our deploy export's timed runs in ORT; with a PyTorch re-implementation's export {@code reimpl}
     * (else null), those and its runs, interleaved in blocks of 7 runs so that their ratio is paired.
     */
    private static List<Series> timeOnnx(
            VisionModel model,
            float[] input,
            int batch,
            int size,
            int threads,
            Config c,
            Path reimpl,
            Consumer<String> log)
            throws IOException {
        Path file = Files.createTempFile("hybridvit-bench-", ".onnx");
        try {
            Exporter.export(
                    model, file, ExportOptions.defaults().withDeploy(true).withBatch(batch));
            OnnxPredictor.Options po = OnnxPredictor.Options.defaults().withThreads(threads);
            List<Series> series = new ArrayList<>();
            try (OnnxPredictor p = OnnxPredictor.open(file, po)) {
                if (reimpl != null) {
                    double[][] ms = timeWithReimpl(p, reimpl, po, input, batch, size, c);
                    series.add(new Series("onnx", ms[0], null));
                    series.add(new Series(PYTORCH_REIMPL, ms[1], null));
                }
                // with int8 and no other pairing, float32's figures come from the runs interleaved with int8,
                // so that the two latencies and the speed-up agree
                Series[] int8 = c.int8() ? timeInt8(model, p, po, batch, size, c, log) : null;
                if (reimpl == null) {
                    series.add(
                            int8 != null
                                    ? int8[0]
                                    : new Series(
                                            "onnx",
                                            Timing.time(
                                                    c.warmup(), c.runs(), () -> p.predict(input, batch, 3, size, size)),
                                            null));
                }
                if (int8 != null) series.add(int8[1]);
            }
            if (c.profileDir() != null)
                profile(file, input, batch, size, threads, c, model.spec().name(), log);
            return series;
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /**
     * Our static int8 export timed interleaved with the float32 one ({@code fp32}), in blocks of 7
     * runs: float32's series and int8's, whose speed-up is the ratio of the two series' medians (the
     * latencies the records report).
     */
    private static Series[] timeInt8(
            VisionModel model,
            OnnxPredictor fp32,
            OnnxPredictor.Options po,
            int batch,
            int size,
            Config c,
            Consumer<String> log)
            throws IOException {
        Path file = Files.createTempFile("hybridvit-bench-int8-", ".onnx");
        try {
            List<float[]> images = new ArrayList<>();
            for (int i = 0; i < BENCH_CALIBRATION_IMAGES; i++) images.add(randomInput(1, size));
            Exporter.export(
                    model,
                    file,
                    ExportOptions.defaults().withDeploy(true).withBatch(batch).withChannelsLast(true),
                    m -> Quantization.int8(m, images, "random inputs", QuantOptions.defaults(), i -> {}));
            int block = 7;
            try (OnnxPredictor int8 = OnnxPredictor.open(file, po)) {
                InterleavedComparison.Result r = InterleavedComparison.run(
                        fp32, int8, batch, Math.max(2, (c.runs() + block - 1) / block), block, null);
                if (c.profileDir() != null) {
                    profile(
                            file,
                            randomInput(batch, size),
                            batch,
                            size,
                            po.intraOpThreads(),
                            c,
                            model.spec().name() + "_int8",
                            log);
                }
                return new Series[] {
                    new Series("onnx", r.runsA(), null),
                    new Series(ONNX_INT8, r.runsB(), Timing.median(r.runsA()) / Timing.median(r.runsB()))
                };
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static double[][] timeWithReimpl(
            OnnxPredictor ours, Path reimpl, OnnxPredictor.Options po, float[] input, int batch, int size, Config c) {
        int block = 7;
        try (OnnxPredictor base = OnnxPredictor.open(reimpl, po)) {
            if ((base.exportedBatch() != 0 && base.exportedBatch() != batch)
                    || base.height() != size
                    || base.width() != size) {
                throw new IllegalArgumentException(String.format(
                        Locale.ROOT,
                        "baseline %s takes %s×3×%d×%d, but this measurement is %d×3×%d×%d",
                        reimpl,
                        base.exportedBatch() == 0 ? "N" : Integer.toString(base.exportedBatch()),
                        base.height(),
                        base.width(),
                        batch,
                        size,
                        size));
            }
            // warm both up as Timing.time does (the comparison itself adds a few untimed runs per block)
            Timing.time(c.warmup(), 1, () -> {
                ours.predict(input, batch, 3, size, size);
                base.predict(input, batch, 3, size, size);
            });
            InterleavedComparison.Result r = InterleavedComparison.run(
                    base, ours, batch, Math.max(2, (c.runs() + block - 1) / block), block, null);
            return new double[][] {r.runsB(), r.runsA()};
        }
    }

    /** A separate, profiled session (profiling perturbs timing): per-op-type kernel time. */
    private static void profile(
            Path file, float[] input, int batch, int size, int threads, Config c, String name, Consumer<String> log)
            throws IOException {
        Files.createDirectories(c.profileDir());
        String prefix = c.profileDir().resolve(name + "_b" + batch).toString();
        String profile;
        try (OnnxPredictor p = OnnxPredictor.open(
                file, OnnxPredictor.Options.defaults().withThreads(threads).withProfiling(prefix))) {
            for (int i = 0; i < Math.max(3, Math.min(c.runs(), 10)); i++) p.predict(input, batch, 3, size, size);
            profile = p.endProfiling();
        }
        log.accept("ORT profile " + profile + " — kernel time by op type, per run:\n"
                + OrtProfile.render(OrtProfile.read(Path.of(profile)), 8));
    }

    static float[] randomInput(int batch, int size) {
        return Timing.randomInput((long) batch * 3 * size * size);
    }

    /** One line per record, with its conditions. */
    public static String render(Record r) {
        return String.format(
                Locale.ROOT,
                "%-14s %-9s b%-2d %3dpx  median %8.2f ms  p90 %8.2f ms  %8.1f img/s  %7.1f GFLOP/s = %5.1f%% of peak %.0f  "
                        + "peak RSS %6.0f MB  [%s, %d threads, %s]%s",
                r.model(),
                r.runtime(),
                r.batch(),
                r.imgSize(),
                r.latencyMsMedian(),
                r.latencyMsP90(),
                r.imagesPerS(),
                r.gflopsAchieved(),
                100 * r.fractionOfPeak(),
                r.peakGflops(),
                r.peakRssMb(),
                r.precision(),
                r.threads(),
                r.runtimeVersion(),
                r.speedupVsFp32() == null
                        ? ""
                        : String.format(Locale.ROOT, "  %.2f× float32 (interleaved)", r.speedupVsFp32()));
    }

    public static ObjectMapper json() {
        return new ObjectMapper()
                .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .enable(SerializationFeature.INDENT_OUTPUT);
    }

    public static void writeJson(List<Record> records, Path file) throws IOException {
        AtomicFiles.write(file, out -> json().writeValue(out, records));
    }

    public static List<Record> readJson(Path file) throws IOException {
        return Arrays.asList(json().readValue(file.toFile(), Record[].class));
    }

    /** Resets VmHWM to the current RSS (Linux ≥ 4.0); silently does nothing elsewhere. */
    static boolean resetPeakRss() {
        try {
            double before = peakRssMb();
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
            return peakRssMb() <= before;
        } catch (IOException | RuntimeException ignored) {
            return false; // not permitted or not Linux: VmHWM then is the high-water mark since start
        }
    }

    static double peakRssMb() {
        return procStatusMb("VmHWM:");
    }

    /** The process's resident set now (VmRSS), in MB; NaN off Linux. */
    static double rssMb() {
        return procStatusMb("VmRSS:");
    }

    private static double procStatusMb(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(key)) return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
            }
        } catch (IOException | RuntimeException ignored) {
            // not Linux
        }
        return Double.NaN;
    }
}
