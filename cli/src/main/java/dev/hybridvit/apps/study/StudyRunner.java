package dev.hybridvit.apps.study;

import ai.onnxruntime.OrtEnvironment;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.hybridvit.apps.train.FashionMnistDemo;
import dev.hybridvit.data.DataSources;
import dev.hybridvit.export.ExportOptions;
import dev.hybridvit.export.Exporter;
import dev.hybridvit.infer.OnnxPredictor;
import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.VisionModel;
import dev.hybridvit.profile.Benchmark;
import dev.hybridvit.profile.InterleavedComparison;
import dev.hybridvit.profile.ModelSummary;
import dev.hybridvit.train.TrainingRun;
import dev.hybridvit.weights.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs a {@link Study}: per variant the parameters and MACs, the ONNX Runtime latency of its deploy
 * export (all variants timed interleaved in one process, so drift hits them alike) and, when a
 * dataset is given, the validation accuracy after a fixed short schedule; writes {@code report.md},
 * {@code study.json} and the charts.
 */
public final class StudyRunner {
    public static final int QUICK_EPOCHS = 2;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * @param dataset      null: latency only; otherwise {@code fashion-mnist} or an ImageFolder path
     * @param epochs       training epochs per variant
     * @param trainSubset  training images per epoch (≤ 0: all)
     * @param valSubset    validation images (≤ 0: all)
     * @param threads      ORT intra-op threads (0: all cores)
     */
    public record Options(
            Path out,
            boolean quick,
            String dataset,
            int epochs,
            int trainSubset,
            int valSubset,
            int batchSize,
            int threads,
            int rounds,
            int block) {
        /**
         * {@code --quick}: 32 px compact variants, {@value #QUICK_EPOCHS} epochs on 3,000 images,
         * validated on 1,000, so that a study of five variants trains in minutes on two cores.
         */
        public static Options defaults(Path out, boolean quick, String dataset) {
            return new Options(
                    out,
                    quick,
                    dataset,
                    QUICK_EPOCHS,
                    quick ? 3_000 : 0,
                    quick ? 1_000 : 0,
                    quick ? 128 : 32,
                    1,
                    10,
                    5);
        }
    }

    /** One variant's figures; accuracy is NaN without training. */
    public record Row(
            String label,
            String model,
            Map<String, Object> knobs,
            long params,
            long macs,
            double latencyMs,
            double latencyP25,
            double latencyP75,
            double latencyBest,
            double top1,
            double trainSeconds) {}

    public record Result(Study study, List<Row> rows, Path report) {}

    private StudyRunner() {}

    public static Result run(Study study, Options o, TrainingRun.Listener listener) throws IOException {
        List<Study.Resolved> variants = study.resolve(o.quick());
        if (o.dataset() != null && o.dataset().equals(DataSources.FASHION_MNIST))
            DataSources.fashionMnistDir(); // fails early, before minutes of timing
        Files.createDirectories(o.out().resolve("onnx"));
        int classes = o.dataset() == null ? 1000 : 10;
        int size = variants.get(0).spec().defaultImageSize();
        ModelOptions mo = ModelOptions.defaults().withImageSize(size).withNumClasses(classes);

        List<ModelSummary> summaries = new ArrayList<>();
        List<OnnxPredictor> graphs = new ArrayList<>();
        try {
            for (Study.Resolved v : variants) {
                listener.log(
                        "building and exporting " + v.label() + " (" + v.spec().name() + ") ...");
                summaries.add(ModelSummary.of(v.spec(), mo));
                Path onnx = o.out().resolve("onnx").resolve(v.spec().name() + ".onnx");
                try (VisionModel model = v.spec().create(mo, 0)) {
                    Exporter.export(
                            model,
                            onnx,
                            ExportOptions.defaults().withDeploy(true).withBatch(1));
                }
                graphs.add(OnnxPredictor.open(
                        onnx, OnnxPredictor.Options.defaults().withThreads(o.threads())));
            }
            listener.log(String.format(
                    Locale.ROOT,
                    "timing %d variants interleaved: %d rounds of %d runs each, batch 1, %d px",
                    graphs.size(),
                    o.rounds(),
                    o.block(),
                    size));
            List<InterleavedComparison.Latency> latency =
                    InterleavedComparison.runAll(graphs, 1, o.rounds(), o.block(), listener::log);
            List<Row> rows = new ArrayList<>();
            for (int i = 0; i < variants.size(); i++) {
                Study.Resolved v = variants.get(i);
                double top1 = Double.NaN, seconds = Double.NaN;
                if (o.dataset() != null) {
                    listener.log("training " + v.label() + " (" + (i + 1) + "/" + variants.size() + ") ...");
                    TrainingRun.Result r = TrainingRun.run(v.spec(), trainOptions(o, v, size), listener, () -> false);
                    top1 = r.history().get(r.history().size() - 1).valTop1();
                    seconds = r.wallSeconds();
                }
                InterleavedComparison.Latency l = latency.get(i);
                rows.add(new Row(
                        v.label(),
                        v.spec().name(),
                        knobs(study, v, o.quick()),
                        summaries.get(i).params(),
                        summaries.get(i).macs(),
                        l.median(),
                        l.p25(),
                        l.p75(),
                        l.best(),
                        top1,
                        seconds));
            }
            write(study, o, rows, size, graphs.get(0).threads());
            return new Result(study, rows, o.out().resolve("report.md"));
        } finally {
            for (OnnxPredictor g : graphs) g.close();
        }
    }

    /** The 1-minute load average (Linux), "unknown" elsewhere. */
    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static Map<String, Object> knobs(Study study, Study.Resolved v, boolean quick) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Study.Variant sv : study.variants()) {
            if (!sv.label().equals(v.label())) continue;
            if (sv.scale() != null) out.put("scale", sv.scale().toString());
            sv.knobs().forEach((k, val) -> out.put(k, val.toString()));
            if (quick) sv.quickKnobs().forEach((k, val) -> out.put(k, val.toString()));
        }
        return out;
    }

    /** The project's CPU recipe (docs/demo.md), shortened: the same schedule for every variant. */
    private static TrainingRun.Options trainOptions(Options o, Study.Resolved v, int size) {
        return FashionMnistDemo.recipe(
                v.spec().name(),
                o.dataset(),
                size,
                o.batchSize(),
                o.epochs(),
                FashionMnistDemo.DEFAULT_LR,
                0,
                1,
                o.out().resolve("train").resolve(v.spec().name()),
                o.trainSubset(),
                o.valSubset());
    }

    private static void write(Study study, Options o, List<Row> rows, int size, int threads) throws IOException {
        Benchmark.Machine machine = Benchmark.Machine.current();
        String runtime = "onnxruntime " + OrtEnvironment.getEnvironment().getVersion();
        String date = LocalDate.now(ZoneOffset.UTC).toString();
        String load = loadAverage();
        boolean trained = o.dataset() != null;
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("study", study.name());
        json.put("title", study.title());
        json.put("claim", study.claim());
        json.put("quick", o.quick());
        json.put("base", o.quick() ? study.quickBase() : study.base());
        json.put("image_size", size);
        json.put("date", date);
        json.put("machine", machine.cpu());
        json.put("cores", machine.cores());
        json.put("runtime", runtime);
        json.put("precision", "float32");
        json.put("batch", 1);
        json.put("threads", threads);
        json.put("load_average", load);
        json.put("latency_rounds", o.rounds());
        json.put("latency_block", o.block());
        if (trained) {
            json.put("dataset", o.dataset());
            json.put("epochs", o.epochs());
            json.put("train_images_per_epoch", o.trainSubset());
            json.put("validation_images", o.valSubset());
            json.put("batch_size", o.batchSize());
        }
        json.put("variants", rows);
        byte[] bytes = JSON.writeValueAsBytes(json);
        AtomicFiles.write(o.out().resolve("study.json"), out -> out.write(bytes));

        List<String> charts = StudyCharts.write(study, rows, o.out());
        StringBuilder md = new StringBuilder();
        md.append("# ").append(study.title()).append("\n\n");
        md.append("The paper: ").append(study.claim()).append("\n\n");
        md.append(String.format(
                Locale.ROOT,
                "Measured %s on %s (%d cores), %s, float32, batch 1, %d intra-op thread%s, %d px, each variant's"
                        + " deploy export, timed in %d interleaved rounds of %d runs: the fastest round's median (the"
                        + " figure least distorted by other processes; load average %s at the start), then the"
                        + " median and quartiles over rounds. Base: `%s`%s.%n%n",
                date,
                machine.cpu(),
                machine.cores(),
                runtime,
                threads,
                threads == 1 ? "" : "s",
                size,
                o.rounds(),
                o.block(),
                load,
                o.quick() ? study.quickBase() : study.base(),
                o.quick() ? " (`--quick`: the compact variant at 32 px)" : ""));
        if (trained) {
            md.append(String.format(
                    Locale.ROOT,
                    "Accuracy: top-1 on %s validation images after %d epoch%s on %s training images of %s"
                            + " (AdamW lr 4e-3, batch %d, cosine schedule, seed 0; the same for every variant).%n%n",
                    o.valSubset() > 0 ? String.valueOf(o.valSubset()) : "all",
                    o.epochs(),
                    o.epochs() == 1 ? "" : "s",
                    o.trainSubset() > 0 ? String.valueOf(o.trainSubset()) : "all",
                    o.dataset(),
                    o.batchSize()));
        }
        md.append("| variant | knobs | params (M) | MACs (M) | ORT latency, best (ms) | median (quartiles) |")
                .append(trained ? " top-1 (%) |" : "")
                .append("\n|---|---|---:|---:|---:|---:|")
                .append(trained ? "---:|" : "")
                .append('\n');
        for (Row r : rows) {
            md.append(String.format(
                    Locale.ROOT,
                    "| %s | %s | %.2f | %.1f | %.3f | %.3f (%.3f–%.3f) |",
                    r.label(),
                    r.knobs().isEmpty()
                            ? "base"
                            : r.knobs().entrySet().stream()
                                    .map(e -> "`" + e.getKey() + "` " + e.getValue())
                                    .reduce((a, b) -> a + ", " + b)
                                    .orElse(""),
                    r.params() / 1e6,
                    r.macs() / 1e6,
                    r.latencyBest(),
                    r.latencyMs(),
                    r.latencyP25(),
                    r.latencyP75()));
            if (trained) md.append(String.format(Locale.ROOT, " %.2f |", 100 * r.top1()));
            md.append('\n');
        }
        md.append('\n');
        for (String c : charts) md.append("![").append(c).append("](").append(c).append(")\n");
        AtomicFiles.write(
                o.out().resolve("report.md"), out -> out.write(md.toString().getBytes(StandardCharsets.UTF_8)));
    }
}
