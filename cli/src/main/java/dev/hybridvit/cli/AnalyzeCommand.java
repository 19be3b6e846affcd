package dev.hybridvit.cli;

import dev.hybridvit.apps.analysis.Analysis;
import dev.hybridvit.apps.analysis.FourierAnalysis;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code analyze MODEL --weights W IMAGE...}: what the blocks do to frequencies, and where the model looks. */
@Command(
        name = "analyze",
        description = "Fourier analysis of every block's output (Next-ViT Figure 5: relative log amplitude against"
                + " frequency, per block type) and Grad-CAM overlays of the images; writes fourier.png,"
                + " fourier.json and gradcam-*.png into --out; with --query X,Y also the attention maps of E-MHSA"
                + " (Next-ViT) and LMHSA (CMT) for that query position, attention-*.png.")
final class AnalyzeCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL")
    String model;

    @Parameters(index = "1..*", paramLabel = "IMAGE", arity = "1..*")
    List<Path> images;

    @Option(names = "--weights", required = true, description = "checkpoint or weights file")
    Path weights;

    @Option(names = "--class", description = "class index Grad-CAM explains (default: each image's prediction)")
    int label = -1;

    @Option(
            names = "--query",
            paramLabel = "X,Y",
            split = ",",
            description =
                    "also write attention-IMAGE-BLOCK.png: every E-MHSA / LMHSA block's attention for the query at"
                            + " column X, row Y of the model's input (pixels), heads averaged")
    int[] query;

    @Option(names = "--out", description = "output directory (default: ${DEFAULT-VALUE})")
    Path out = Path.of("analysis");

    @Override
    public Integer call() throws Exception {
        Analysis.Result r = Analysis.run(model, weights, images, label, query, out);
        for (FourierAnalysis.Spectrum s : r.spectra()) {
            System.out.printf(
                    Locale.ROOT,
                    "%-14s %-10s %2d×%-2d Δ log amplitude at π %+.3f%n",
                    s.block(),
                    s.type(),
                    s.mapSize(),
                    s.mapSize(),
                    s.atHighest());
        }
        r.files().forEach(f -> System.out.println("wrote " + f));
        return 0;
    }
}
