package dev.hybridvit.cli;

import dev.hybridvit.data.ImageLimits;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** Entry point of {@code ./hybridvit}: subcommands only, no model logic here. */
@Command(
        name = "hybridvit",
        mixinStandardHelpOptions = true,
        version = "hybridvit 0.1.0",
        description = {
            "Next-ViT, CMT and TRT-ViT hybrid vision backbones on the JVM.",
            "Bad input ends with one 'error: FILE: ...' line and exit code 2; internal failures exit 1.",
            "Inputs holding NaN or infinite values are refused, naming the first position, in every command"
                    + " and runtime (run --allow-non-finite lets them through)."
        },
        subcommands = {
            ModelsCommand.class,
            InfoCommand.class,
            RunCommand.class,
            ExportCommand.class,
            BenchmarkCommand.class,
            ProfileCommand.class,
            DensityCommand.class,
            TrainCommand.class,
            StudyCommand.class,
            AnalyzeCommand.class,
            ValidateCommand.class,
            PredictCommand.class,
            SegmentCommand.class,
            DemoCommand.class,
            CompareCommand.class,
            ServeCommand.class,
            LoadTestCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Main {
    private static volatile boolean debug;

    @Option(
            names = "--debug",
            scope = ScopeType.INHERIT,
            description = "on an error, print the Java stack trace (also: environment variable HYBRIDVIT_DEBUG)")
    void debug(boolean on) {
        debug = on;
    }

    @Option(
            names = "--max-image-pixels",
            scope = ScopeType.INHERIT,
            paramLabel = "N",
            description = "refuse images with more pixels than this, read from the header before decoding, as PIL's"
                    + " MAX_IMAGE_PIXELS (default: 89478485)")
    void maxImagePixels(long n) {
        ImageLimits.setMaxPixels(n);
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns the exit code (0 ok, 1 internal failure, 2 usage or input error). */
    public static int run(String... args) {
        debug = System.getenv("HYBRIDVIT_DEBUG") != null;
        ImageLimits.setMaxPixels(ImageLimits.DEFAULT_MAX_PIXELS);
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> report(cmd.getErr(), e));
        try {
            return cli.execute(args);
        } catch (OutOfMemoryError | StackOverflowError e) {
            return report(cli.getErr(), e);
        }
    }

    /** One line for users (exit 2 for bad input, 1 for an internal failure); the trace only with --debug. */
    private static int report(PrintWriter err, Throwable e) {
        boolean user = UserErrors.isUserError(e);
        err.println("error: " + UserErrors.describe(e));
        if (debug) e.printStackTrace(err);
        else if (!user) err.println("(run again with --debug for the stack trace)");
        err.flush();
        return user ? 2 : 1;
    }
}
