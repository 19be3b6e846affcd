package dev.hybridvit.cli;

import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.ModelSpec;
import dev.hybridvit.models.PretrainedTag;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code models [GLOB]}: list registered models with their native resolution and size. */
@Command(name = "models", description = "List registered models (optionally matching a glob such as 'cmt_*').")
final class ModelsCommand implements Callable<Integer> {
    @Parameters(arity = "0..1", paramLabel = "GLOB", description = "shell-style pattern, default: all")
    String glob = "*";

    @Option(
            names = "--pretrained",
            description = "list the pretrained tags (model.tag, as timm names them) with their input, paper top-1, "
                    + "file and where it is published; use a tag with --pretrained on predict, validate, export")
    boolean pretrained;

    @Override
    public Integer call() {
        if (pretrained) return listPretrained();
        List<String> names = ModelRegistry.names(glob);
        if (names.isEmpty())
            throw new IllegalArgumentException(
                    "no model matches '" + glob + "' (registered: " + String.join(", ", ModelRegistry.names()) + ")");
        System.out.printf("%-22s %-8s %6s %5s %12s  %s%n", "model", "family", "size", "crop", "params", "description");
        for (String n : names) {
            ModelSpec s = ModelRegistry.get(n);
            long params = s.architecture(ModelOptions.defaults()).parameterCount();
            System.out.printf(
                    Locale.ROOT,
                    "%-22s %-8s %6d %5.3f %,12d  %s%n",
                    n,
                    s.family(),
                    s.defaultImageSize(),
                    s.cropPct(),
                    params,
                    s.description());
        }
        return 0;
    }

    private int listPretrained() {
        var matcher = FileSystems.getDefault().getPathMatcher("glob:" + glob);
        List<PretrainedTag> tags = ModelRegistry.pretrained().stream()
                .filter(t -> matcher.matches(Path.of(t.name())) || matcher.matches(Path.of(t.model())))
                .toList();
        if (tags.isEmpty()) throw new IllegalArgumentException("no pretrained tag matches '" + glob + "'");
        System.out.printf(
                "%-40s %-18s %5s %5s %-9s %6s  %-26s %s%n",
                "tag", "model", "size", "crop", "interp", "top-1", "file", "published at");
        for (PretrainedTag t : tags) {
            System.out.printf(
                    Locale.ROOT,
                    "%-40s %-18s %5d %5.3f %-9s %5.1f%%  %-26s %s%n",
                    t.name(),
                    t.model(),
                    t.data().imageSize(),
                    t.data().cropPct(),
                    t.data().interpolation(),
                    t.top1(),
                    t.fileName().isEmpty() ? "(as downloaded)" : t.fileName(),
                    t.url());
        }
        return 0;
    }
}
