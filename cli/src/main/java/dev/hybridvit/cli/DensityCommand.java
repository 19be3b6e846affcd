package dev.hybridvit.cli;

import dev.hybridvit.apps.profile.Density;
import dev.hybridvit.apps.profile.DensityChart;
import dev.hybridvit.profile.BlockProfiler;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code density}: TRT-ViT's Table 1 — TeraFLOPS and TeraParams of BottleNeck, Transformer and MixBlocks per feature-map size. */
@Command(
        name = "density",
        description =
                "TRT-ViT Table 1 on this machine: TeraFLOPS and TeraParams of a BottleNeck, a "
                        + "Transformer and MixBlock-A/B/C at the feature-map sizes of a classification backbone, each block timed alone.")
final class DensityCommand implements Callable<Integer> {
    @Mixin
    BlockTimingOptions timing;

    @Option(names = "--sizes", split = ",", description = "feature-map sizes, one per stage (default: 56,28,14,7)")
    List<Integer> sizes = Density.SIZES;

    @Option(names = "--widths", split = ",", description = "block widths, one per size (default: 256,512,1024,2048)")
    List<Integer> widths = Density.WIDTHS;

    @Option(names = "--json", paramLabel = "F", description = "write the records as JSON")
    Path json;

    @Option(names = "--chart", paramLabel = "F.png", description = "write grouped bars (TeraFLOPS, TeraParams) as PNG")
    Path chart;

    @Override
    public Integer call() throws Exception {
        Density.Config config = new Density.Config(sizes, widths, timing.config());
        List<BlockProfiler.Record> records = Density.run(config, line -> System.err.println("  " + line));
        System.out.print(Density.render(records));
        if (json != null) {
            BlockProfiler.writeJson(records, json);
            System.err.println("wrote " + json);
        }
        if (chart != null) {
            DensityChart.writePng(records, chart);
            System.err.println("wrote " + chart);
        }
        return 0;
    }
}
