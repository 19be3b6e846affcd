package dev.hybridvit.cli;

import dev.hybridvit.profile.BlockProfiler;
import dev.hybridvit.profile.Density;
import dev.hybridvit.profile.ProfileCharts;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code density}: TRT-ViT's Table 1 — TeraFLOPS and TeraParams of BottleNeck, Transformer and MixBlocks per feature-map size. */
@Command(name = "density", description = "TRT-ViT Table 1 on this machine: TeraFLOPS and TeraParams of a BottleNeck, a "
        + "Transformer and MixBlock-A/B/C at the feature-map sizes of a classification backbone, each block timed alone.")
final class DensityCommand implements Callable<Integer> {
    @Option(names = "--runtime", description = "onnx or torch (default: ${DEFAULT-VALUE})") String runtime = "onnx";
    @Option(names = "--sizes", split = ",", description = "feature-map sizes, one per stage (default: 56,28,14,7)")
    List<Integer> sizes = Density.SIZES;
    @Option(names = "--widths", split = ",", description = "block widths, one per size (default: 256,512,1024,2048)")
    List<Integer> widths = Density.WIDTHS;
    @Option(names = "--batch", description = "batch size (default: ${DEFAULT-VALUE})") int batch = 1;
    @Option(names = "--threads", description = "intra-op threads (default: all cores)") int threads;
    @Option(names = "--runs", description = "timed runs per block (default: ${DEFAULT-VALUE})") int runs = 30;
    @Option(names = "--warmup", description = "untimed runs first (default: ${DEFAULT-VALUE})") int warmup = 5;
    @Option(names = "--json", paramLabel = "F", description = "write the records as JSON") Path json;
    @Option(names = "--chart", paramLabel = "F.png", description = "write grouped bars (TeraFLOPS, TeraParams) as PNG") Path chart;

    @Override
    public Integer call() throws Exception {
        Density.Config config = new Density.Config(sizes, widths, new BlockProfiler.Config(runtime, batch, threads, runs, warmup));
        List<BlockProfiler.Record> records = Density.run(config, line -> System.err.println("  " + line));
        System.out.print(Density.render(records));
        if (json != null) {
            BlockProfiler.writeJson(records, json);
            System.err.println("wrote " + json);
        }
        if (chart != null) {
            ProfileCharts.writeDensityPng(records, chart);
            System.err.println("wrote " + chart);
        }
        return 0;
    }
}
