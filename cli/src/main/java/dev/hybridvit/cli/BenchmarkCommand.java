package dev.hybridvit.cli;

import dev.hybridvit.apps.readme.ReadmeTable;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.profile.Benchmark;
import dev.hybridvit.profile.BenchmarkChart;
import dev.hybridvit.profile.TrainBenchmark;
import dev.hybridvit.weights.AtomicFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code benchmark [MODEL...]}: latency, throughput, achieved GFLOP/s and fraction of the measured peak. */
@Command(
        name = "benchmark",
        description = "Latency (median, p90), throughput, GFLOP/s and fraction of this machine's "
                + "measured MatMul peak, eager libtorch vs the ONNX export in ONNX Runtime; with --train, images/s of a full train step "
                + "and the process RSS over the steps.")
final class BenchmarkCommand implements Callable<Integer> {
    @Parameters(arity = "0..*", paramLabel = "MODEL", description = "models or globs (default: every registered model)")
    List<String> models = new ArrayList<>();

    @Option(names = "--runtime", split = ",", description = "torch, onnx (default: both)")
    List<String> runtimes = List.of("torch", "onnx");

    @Option(
            names = "--precision",
            split = ",",
            description = "fp32, int8: int8 is our static int8 export (calibrated on random inputs), timed interleaved"
                    + " with float32 in ONNX Runtime (default: fp32)")
    List<String> precisions = List.of("fp32");

    @Option(names = "--batch", split = ",", description = "batch sizes (default: 1; with --train 16)")
    List<Integer> batches;

    @Option(names = "--img-size", description = "input resolution (default: each model's native size)")
    int imgSize;

    @Option(
            names = "--threads",
            description = "intra-op threads for both runtimes and the peak probe (default: all cores)")
    int threads;

    @Option(names = "--runs", description = "timed runs per measurement (default: ${DEFAULT-VALUE})")
    int runs = 30;

    @Option(names = "--warmup", description = "untimed runs first (default: ${DEFAULT-VALUE})")
    int warmup = 5;

    @Option(names = "--json", paramLabel = "F", description = "write the records as JSON")
    Path json;

    @Option(names = "--chart", paramLabel = "F.png", description = "write latency vs parameters as a PNG chart")
    Path chart;

    @Option(
            names = "--from-json",
            paramLabel = "F",
            description = "do not measure: re-render records from an earlier --json file")
    Path fromJson;

    @Option(
            names = "--readme",
            paramLabel = "README.md",
            description = "replace the generated benchmark table in this file")
    Path readme;

    @Option(
            names = "--profile",
            paramLabel = "DIR",
            description = "also write ORT profiles there and print kernel time per op type")
    Path profile;

    @Option(
            names = "--baseline",
            paramLabel = "DIR",
            description = "also time DIR/<model>.onnx, the ONNX export of the project's PyTorch "
                    + "re-implementation (made by tools/pytorch-reimplementation), interleaved with ours under the same conditions; "
                    + "runtime pytorch-reimpl-onnx in the records")
    Path baseline;

    @Option(
            names = "--train",
            description = "measure a full train step (forward, backward, AdamW) in libtorch instead of inference")
    boolean train;

    @Option(
            names = "--steps",
            description =
                    "with --train: steps per model; RSS shown at step 10, half-way and the last step (default: ${DEFAULT-VALUE})")
    int steps = 20;

    @Override
    public Integer call() throws Exception {
        List<String> names = new ArrayList<>();
        if (models.isEmpty()) names.addAll(ModelRegistry.names());
        for (String m : models) {
            if (m.contains("*") || m.contains("?")) {
                List<String> hit = ModelRegistry.names(m);
                if (hit.isEmpty()) throw new IllegalArgumentException("no model matches '" + m + "'");
                names.addAll(hit);
            } else {
                names.add(ModelRegistry.get(m).name());
            }
        }
        if (train) {
            if (fromJson != null || readme != null || chart != null || profile != null || baseline != null) {
                throw new IllegalArgumentException(
                        "--train takes --batch, --img-size, --threads, --steps, --warmup and --json only");
            }
            TrainBenchmark.Config config = new TrainBenchmark.Config(
                    names, batches == null ? List.of(16) : batches, imgSize, threads, steps, warmup);
            List<TrainBenchmark.Record> records = TrainBenchmark.run(config, System.out::println);
            if (json != null) {
                AtomicFiles.write(json, out -> Benchmark.json().writeValue(out, records));
                System.err.println("wrote " + json);
            }
            return 0;
        }
        if (batches == null) batches = List.of(1);
        List<Benchmark.Record> records;
        if (fromJson != null) {
            records = Benchmark.readJson(fromJson);
            records.forEach(r -> System.out.println(Benchmark.render(r)));
        } else {
            Benchmark.Config config = new Benchmark.Config(
                    names, runtimes, batches, imgSize, threads, runs, warmup, profile, baseline, precisions);
            records = Benchmark.run(config, System.out::println);
        }
        if (json != null) {
            Benchmark.writeJson(records, json);
            System.err.println("wrote " + json);
        }
        if (readme != null) {
            ReadmeTable.updateReadme(readme, records);
            System.err.println("updated the benchmark table in " + readme);
        }
        if (chart != null) {
            BenchmarkChart.writePng(records, chart);
            System.err.println("wrote " + chart);
        }
        return 0;
    }
}
