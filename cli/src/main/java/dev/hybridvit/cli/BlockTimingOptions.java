package dev.hybridvit.cli;

import dev.hybridvit.profile.BlockProfiler;
import picocli.CommandLine.Option;

/** The block-timing flags shared by {@code profile} and {@code density} (a picocli mixin). */
final class BlockTimingOptions {
    @Option(
            names = "--runtime",
            description = "onnx (each block exported alone, ONNX Runtime) or torch (eager libtorch); "
                    + "default: ${DEFAULT-VALUE}")
    String runtime = "onnx";

    @Option(names = "--batch", description = "batch size (default: ${DEFAULT-VALUE})")
    int batch = 1;

    @Option(names = "--threads", description = "intra-op threads (default: all cores)")
    int threads;

    @Option(names = "--runs", description = "timed runs per block (default: ${DEFAULT-VALUE})")
    int runs = 30;

    @Option(names = "--warmup", description = "untimed runs first (default: ${DEFAULT-VALUE})")
    int warmup = 5;

    BlockProfiler.Config config() {
        return new BlockProfiler.Config(runtime, batch, threads, runs, warmup);
    }
}
