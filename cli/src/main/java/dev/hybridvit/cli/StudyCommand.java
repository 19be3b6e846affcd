package dev.hybridvit.cli;

import dev.hybridvit.apps.study.Study;
import dev.hybridvit.apps.study.StudyRunner;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code study NAME|SPEC.json}: re-runs one of the papers' ablation tables on this machine. */
@Command(
        name = "study",
        description = "Run an ablation study: per variant parameters, MACs, ONNX Runtime latency (all variants "
                + "interleaved in one process) and, with --train, accuracy after a short fixed schedule; writes "
                + "report.md, study.json and charts. Built-in: nextvit-table1-hybrid, nextvit-table2-depth, "
                + "nextvit-table7-blocks, nextvit-table8-ratio, nextvit-table9-norm, trtvit-table2-stages, "
                + "trtvit-table3-mixblocks, cmt-components.")
final class StudyCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME|SPEC.json")
    String study;

    @Option(names = "--quick", description = "compact variants at 32 px (the paper's sizes otherwise)")
    boolean quick;

    @Option(
            names = "--train",
            paramLabel = "DATASET",
            arity = "0..1",
            fallbackValue = "fashion-mnist",
            description = "train each variant on DATASET (fashion-mnist, the default, or an ImageFolder directory)")
    String train;

    @Option(names = "--epochs", description = "training epochs per variant (default: ${DEFAULT-VALUE})")
    int epochs = StudyRunner.QUICK_EPOCHS;

    @Option(
            names = "--train-images",
            paramLabel = "N",
            description = "training images per epoch (default: 3,000 with --quick, all otherwise)")
    Integer trainImages;

    @Option(
            names = "--val-images",
            paramLabel = "N",
            description = "validation images (default: 1,000 with --quick, all otherwise)")
    Integer valImages;

    @Option(names = "--threads", description = "ORT intra-op threads for the latency (default: ${DEFAULT-VALUE})")
    int threads = 1;

    @Option(names = "--out", description = "report directory (default: studies/NAME)")
    Path out;

    @Override
    public Integer call() throws Exception {
        if (epochs < 1) throw new IllegalArgumentException("--epochs must be at least 1, got " + epochs);
        if (trainImages != null && trainImages < 1)
            throw new IllegalArgumentException("--train-images must be at least 1, got " + trainImages);
        if (valImages != null && valImages < 1)
            throw new IllegalArgumentException("--val-images must be at least 1, got " + valImages);
        if (threads < 0) throw new IllegalArgumentException("--threads must be ≥ 0 (0: all cores), got " + threads);
        Study s = Study.load(study); // every variant resolved and checked before anything runs
        Path dir = out != null ? out : Path.of("studies", s.name());
        StudyRunner.Options base = StudyRunner.Options.defaults(dir, quick, train);
        StudyRunner.Options o = new StudyRunner.Options(
                dir,
                quick,
                train,
                epochs,
                trainImages != null ? trainImages : base.trainSubset(),
                valImages != null ? valImages : base.valSubset(),
                base.batchSize(),
                threads,
                base.rounds(),
                base.block());
        StudyRunner.Result r = StudyRunner.run(s, o, new ConsoleProgress(System.err, epochs));
        for (StudyRunner.Row row : r.rows()) {
            System.out.printf(
                    Locale.ROOT,
                    "%-28s %7.2f M params %9.1f M MACs %8.3f ms (best round)%s%n",
                    row.label(),
                    row.params() / 1e6,
                    row.macs() / 1e6,
                    row.latencyBest(),
                    Double.isNaN(row.top1()) ? "" : String.format(Locale.ROOT, "  top-1 %.2f%%", 100 * row.top1()));
        }
        System.out.println("report: " + r.report());
        return 0;
    }
}
