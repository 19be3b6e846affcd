package dev.hybridvit.cli;

import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.ModelSpec;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code models [GLOB]}: list registered models with their native resolution and size. */
@Command(name = "models", description = "List registered models (optionally matching a glob such as 'cmt_*').")
final class ModelsCommand implements Callable<Integer> {
    @Parameters(arity = "0..1", paramLabel = "GLOB", description = "shell-style pattern, default: all")
    String glob = "*";

    @Override
    public Integer call() {
        List<String> names = ModelRegistry.names(glob);
        if (names.isEmpty())
            throw new IllegalArgumentException(
                    "no model matches '" + glob + "' (registered: " + String.join(", ", ModelRegistry.names()) + ")");
        System.out.printf("%-22s %-8s %6s %12s  %s%n", "model", "family", "size", "params", "description");
        for (String n : names) {
            ModelSpec s = ModelRegistry.get(n);
            long params = s.architecture(ModelOptions.defaults()).parameterCount();
            System.out.printf(
                    "%-22s %-8s %6d %,12d  %s%n", n, s.family(), s.defaultImageSize(), params, s.description());
        }
        return 0;
    }
}
