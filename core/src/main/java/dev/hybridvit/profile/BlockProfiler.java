package dev.hybridvit.profile;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.hybridvit.export.ExportOptions;
import dev.hybridvit.export.Exporter;
import dev.hybridvit.export.onnx.OnnxGraph;
import dev.hybridvit.models.VisionModel;
import dev.hybridvit.nn.MacCounter;
import dev.hybridvit.nn.Module;
import dev.hybridvit.nn.Parameter;
import dev.hybridvit.tensor.Tensors;
import dev.hybridvit.weights.AtomicFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Per-block profile of a backbone with the density metrics of TRT-ViT (after RepLKNet): for each
 * block of {@link VisionModel#blocks()} its parameters, MACs, measured latency, <b>TeraFLOPS</b> =
 * 2·MACs / latency (computational density: how well the hardware is used) and <b>TeraParams</b> =
 * params / latency (parameter density: capacity per unit of time), both in units of 10¹² per
 * second.
 *
 * <p>How: one forward of the whole model at the profile's batch and image size (stem, the blocks
 * in order, head) records the input shape each block sees and its MACs. The model is then put in
 * its deploy form (as {@code benchmark} does) and every block is timed on its own at that shape:
 * with {@code onnx} exported alone ({@link Exporter#graph(Module, String, ExportOptions, long...)},
 * Conv+BN folded) and run in ONNX Runtime, with {@code torch} run eagerly in libtorch. Latency is
 * the median of the timed runs after warm-up. A block timed alone misses the cache effects of its
 * neighbours, so stage sums need not match the whole model's latency.
 */
public final class BlockProfiler {
    public static final List<String> RUNTIMES = List.of("onnx", "torch");

    private BlockProfiler() {}

    /** How to time. {@code threads} 0 = all cores. */
    public record Config(String runtime, int batch, int threads, int runs, int warmup) {
        public Config {
            if (!RUNTIMES.contains(runtime))
                throw new IllegalArgumentException("unknown runtime '" + runtime + "' (onnx, torch)");
            if (batch < 1) throw new IllegalArgumentException("batch must be at least 1, got " + batch);
            if (threads < 0) throw new IllegalArgumentException("threads must be positive, got " + threads);
            if (runs < 1) throw new IllegalArgumentException("runs must be at least 1, got " + runs);
            if (warmup < 0) throw new IllegalArgumentException("warmup must not be negative, got " + warmup);
        }

        public int effectiveThreads() {
            return threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        }
    }

    /** A block at the input it sees: {@code inputShape} includes the batch; {@code macs} are per sample. */
    public record Site(String stage, String name, String type, Module module, long[] inputShape, long macs) {
        public long[] sampleShape() {
            return Arrays.copyOfRange(inputShape, 1, inputShape.length);
        }
    }

    /** Stem, blocks and head as one forward saw them (MACs per sample). */
    public record Trace(long stemMacs, List<Site> sites, long headMacs) {}

    /**
     * One measured block (a JSON record, snake_case keys). {@code macs} are per sample;
     * {@code tflops} = 2·macs·batch / latency / 10¹², {@code tparams_per_s} = params / latency / 10¹².
     */
    public record Record(
            String model,
            String stage,
            String block,
            String blockType,
            List<Long> inputShape,
            long params,
            long macs,
            double latencyMsMedian,
            double tflops,
            double tparamsPerS,
            String runtime,
            int threads,
            int batch) {}

    /** Sum over a stage's blocks; {@code params} includes {@code sharedParams}, the stage's parameters in no block. */
    public record StageTotal(
            String stage,
            long params,
            long sharedParams,
            long macs,
            double latencyMs,
            double tflops,
            double tparamsPerS) {}

    /** A whole model's profile: the block records plus what the table and the coverage checks need. */
    public record Profile(
            String model,
            int imageSize,
            Config config,
            long params,
            long stemParams,
            long stemMacs,
            long headParams,
            long headMacs,
            List<Record> blocks,
            List<StageTotal> stages) {}

    /**
     * Profiles every block of {@code model} (eval mode, left in its deploy form); one line per
     * measured block goes to {@code log}.
     */
    public static Profile profile(VisionModel model, Config c, Consumer<String> log) {
        model.setTraining(false);
        Trace trace = trace(model, c.batch());
        if (!model.isReparameterized()) model.reparameterize();
        if (c.runtime().equals("torch")) Tensors.setThreads(c.effectiveThreads());
        String name = model.spec().name();
        List<Record> records = new ArrayList<>();
        for (Site s : trace.sites()) {
            Record r = measure(name, s, model.manager(), c);
            records.add(r);
            log.accept(String.format(
                    Locale.ROOT,
                    "%-8s %-22s %-22s %9.3f ms %8.4f TFLOPS",
                    r.stage(),
                    r.block(),
                    r.blockType(),
                    r.latencyMsMedian(),
                    r.tflops()));
        }
        Map<String, Long> parts = partParams(model);
        List<StageTotal> stages = new ArrayList<>();
        for (int i = 1; i <= model.numStages(); i++) {
            String stage = "stage" + i;
            List<Record> rs =
                    records.stream().filter(r -> r.stage().equals(stage)).toList();
            long params = parts.getOrDefault(stage, 0L),
                    inBlocks = rs.stream().mapToLong(Record::params).sum();
            long macs = rs.stream().mapToLong(Record::macs).sum();
            double ms = rs.stream().mapToDouble(Record::latencyMsMedian).sum();
            stages.add(new StageTotal(
                    stage, params, params - inBlocks, macs, ms, tflops(macs, c.batch(), ms), tparams(params, ms)));
        }
        return new Profile(
                name,
                model.imageSize(),
                c,
                model.parameterCount(),
                parts.getOrDefault("stem", 0L),
                trace.stemMacs(),
                parts.getOrDefault("head", 0L),
                trace.headMacs(),
                records,
                stages);
    }

    /**
     * Runs the model once on a batch×3×size×size input the way {@link VisionModel#blocks()}
     * describes it (stem, every block in order, head), recording each block's input shape and
     * MACs. Activations live in a sub-manager closed before returning.
     */
    public static Trace trace(VisionModel model, int batch) {
        int size = model.imageSize();
        List<Site> sites = new ArrayList<>();
        try (NDManager scope = model.manager().newSubManager()) {
            NDArray[] x = {
                scope.create(Timing.randomInput((long) batch * 3 * size * size), new Shape(batch, 3, size, size))
            };
            long stem = MacCounter.count(batch, () -> x[0] = model.runStem(x[0]));
            for (VisionModel.Block b : model.blocks()) {
                long[] shape = x[0].getShape().getShape();
                long macs = MacCounter.count(batch, () -> x[0] = b.module().forward(x[0]));
                sites.add(new Site(
                        "stage" + (b.stage() + 1),
                        b.name(),
                        b.module().getClass().getSimpleName(),
                        b.module(),
                        shape,
                        macs));
            }
            long head = MacCounter.count(batch, () -> model.forwardHead(x[0]));
            return new Trace(stem, sites, head);
        }
    }

    /** A standalone block (weights in {@code manager}, eval mode) at {@code inputShape}: its MACs counted by one forward. */
    public static Site site(
            String stage, String name, String type, Module block, long[] inputShape, NDManager manager) {
        block.setTraining(false);
        long batch = inputShape[0];
        try (NDManager scope = manager.newSubManager()) {
            NDArray x = scope.create(Timing.randomInput(new Shape(inputShape).size()), new Shape(inputShape));
            long macs = MacCounter.count((int) batch, () -> block.forward(x));
            return new Site(stage, name, type, block, inputShape.clone(), macs);
        }
    }

    /** The block alone as an ONNX graph at its input shape (Conv+BN folded, fixed batch). */
    public static OnnxGraph onnxGraph(Site s) {
        ExportOptions o = ExportOptions.defaults().withDeploy(true).withBatch((int) s.inputShape()[0]);
        return Exporter.graph(s.module(), s.name(), o, s.sampleShape());
    }

    /** Times one block ({@code manager}: where its weights live, for the eager input) and computes its densities. */
    public static Record measure(String model, Site s, NDManager manager, Config c) {
        float[] input = Timing.randomInput(new Shape(s.inputShape()).size());
        double[] ms;
        if (c.runtime().equals("onnx")) {
            try (OrtRunner r = new OrtRunner(onnxGraph(s).toBytes(), c.effectiveThreads(), input, s.inputShape())) {
                ms = Timing.time(c.warmup(), c.runs(), r::run);
            }
        } else {
            try (NDManager scope = manager.newSubManager()) {
                NDArray x = scope.create(input, new Shape(s.inputShape()));
                ms = Timing.time(
                        c.warmup(),
                        c.runs(),
                        () -> Tensors.scoped(x, s.module()::forward).close());
            }
        }
        double median = Timing.median(ms);
        long params = s.module().parameterCount();
        return new Record(
                model,
                s.stage(),
                s.name(),
                s.type(),
                Arrays.stream(s.inputShape()).boxed().toList(),
                params,
                s.macs(),
                median,
                tflops(s.macs(), c.batch(), median),
                tparams(params, median),
                c.runtime(),
                c.effectiveThreads(),
                c.batch());
    }

    static double tflops(long macsPerSample, int batch, double ms) {
        return 2.0 * macsPerSample * batch / (ms / 1e3) / 1e12;
    }

    static double tparams(long params, double ms) {
        return params / (ms / 1e3) / 1e12;
    }

    /** Trainable parameters per pipeline part ({@code stem}, {@code stage1} …, {@code head}). */
    static Map<String, Long> partParams(VisionModel model) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : model.namedSlots().entrySet()) {
            if (e.getValue().isTrainable())
                out.merge(model.partOf(e.getKey()), e.getValue().numel(), Long::sum);
        }
        return out;
    }

    /** The printed table: blocks, stage subtotals, stem/head (not timed) and the total. */
    public static String render(Profile p) {
        Config c = p.config();
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(
                Locale.ROOT,
                "%s at %dx%d, batch %d, %s, %d threads; median of %d runs after %d warm-up, each block "
                        + "timed alone%n",
                p.model(),
                p.imageSize(),
                p.imageSize(),
                c.batch(),
                c.runtime().equals("onnx") ? "ONNX Runtime" : "libtorch eager",
                c.effectiveThreads(),
                c.runs(),
                c.warmup()));
        String fmt = "%-8s %-22s %-22s %-18s %12s %9s %10s %8s %10s%n";
        sb.append(String.format(
                Locale.ROOT, fmt, "stage", "block", "type", "input", "params", "GMACs", "ms", "TFLOPS", "TParams/s"));
        String row = "%-8s %-22s %-22s %-18s %,12d %9.4f %10.3f %8.4f %10.6f%n";
        sb.append(String.format(
                Locale.ROOT,
                "%-8s %-22s %-22s %-18s %,12d %9.4f%n",
                "stem",
                "",
                "",
                "",
                p.stemParams(),
                p.stemMacs() / 1e9));
        boolean shared = false;
        for (StageTotal st : p.stages()) {
            for (Record r : p.blocks()) {
                if (!r.stage().equals(st.stage())) continue;
                String shape = String.join(
                        "x", r.inputShape().stream().map(String::valueOf).toList());
                sb.append(String.format(
                        Locale.ROOT,
                        row,
                        r.stage(),
                        r.block(),
                        r.blockType(),
                        shape,
                        r.params(),
                        r.macs() / 1e9,
                        r.latencyMsMedian(),
                        r.tflops(),
                        r.tparamsPerS()));
            }
            shared |= st.sharedParams() > 0;
            sb.append(String.format(
                    Locale.ROOT,
                    row,
                    st.stage(),
                    st.sharedParams() > 0 ? "(total)*" : "(total)",
                    "",
                    "",
                    st.params(),
                    st.macs() / 1e9,
                    st.latencyMs(),
                    st.tflops(),
                    st.tparamsPerS()));
        }
        sb.append(String.format(
                Locale.ROOT,
                "%-8s %-22s %-22s %-18s %,12d %9.4f%n",
                "head",
                "",
                "",
                "",
                p.headParams(),
                p.headMacs() / 1e9));
        long macs = p.stemMacs()
                + p.headMacs()
                + p.stages().stream().mapToLong(StageTotal::macs).sum();
        sb.append(String.format(
                Locale.ROOT, "%-8s %-22s %-22s %-18s %,12d %9.4f%n", "total", "", "", "", p.params(), macs / 1e9));
        if (shared)
            sb.append("* the stage total includes parameters shared by its blocks and counted in none of them "
                    + "(e.g. CMT's relative position biases)\n");
        sb.append("GMACs per image; TFLOPS = 2·MACs·batch / latency, TParams/s = params / latency (both ×1e-12)\n");
        return sb.toString();
    }

    public static void writeJson(List<Record> records, Path file) throws IOException {
        AtomicFiles.write(file, out -> Benchmark.json().writeValue(out, records));
    }
}
