package dev.hybridvit.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code ./hybridvit}: subcommands only, no model logic here. */
@Command(
        name = "hybridvit",
        mixinStandardHelpOptions = true,
        version = "hybridvit 0.1.0",
        description = "Next-ViT, CMT and TRT-ViT hybrid vision backbones on the JVM.",
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
            DemoCommand.class,
            CompareCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Main {
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns the exit code (0 ok, 1 failure, 2 usage or input error). */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("error: " + UserErrors.describe(e));
            if (System.getenv("HYBRIDVIT_DEBUG") != null) e.printStackTrace(cmd.getErr());
            return UserErrors.isUserError(e) ? 2 : 1;
        });
        return cli.execute(args);
    }
}
