package dev.hybridvit.cli;

import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.VisionModel;
import dev.hybridvit.profile.BlockProfiler;
import dev.hybridvit.profile.ProfileCharts;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code profile MODEL}: per-block params, MACs, latency, TeraFLOPS and TeraParams. */
@Command(
        name = "profile",
        description = "Per block (and per stage): parameters, MACs, latency of the block timed alone at the "
                + "input shape it sees in the model, TeraFLOPS = 2·MACs/latency and TeraParams = params/latency.")
final class ProfileCommand implements Callable<Integer> {
    @Parameters(paramLabel = "MODEL")
    String model;

    @Mixin
    BlockTimingOptions timing;

    @Option(names = "--img-size", description = "input resolution (default: the model's native size)")
    int imgSize;

    @Option(names = "--json", paramLabel = "F", description = "write the block records as JSON")
    Path json;

    @Option(names = "--chart", paramLabel = "F.png", description = "write TeraFLOPS per block as a PNG bar chart")
    Path chart;

    @Override
    public Integer call() throws Exception {
        BlockProfiler.Config config = timing.config();
        try (VisionModel m =
                ModelRegistry.get(model).create(ModelOptions.defaults().withImageSize(imgSize), 0)) {
            BlockProfiler.Profile p = BlockProfiler.profile(m, config, line -> System.err.println("  " + line));
            System.out.print(BlockProfiler.render(p));
            if (json != null) {
                BlockProfiler.writeJson(p.blocks(), json);
                System.err.println("wrote " + json);
            }
            if (chart != null) {
                ProfileCharts.writeBlocksPng(p, chart);
                System.err.println("wrote " + chart);
            }
        }
        return 0;
    }
}
