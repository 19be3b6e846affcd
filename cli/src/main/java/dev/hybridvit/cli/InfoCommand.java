package dev.hybridvit.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.profile.ModelSummary;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code info MODEL}: parameters, MACs, per-stage table, state-dict keys and shapes. */
@Command(
        name = "info",
        description = "Parameters, MACs (counted per module), per-stage table, state-dict keys and shapes.")
final class InfoCommand implements Callable<Integer> {
    @Parameters(paramLabel = "MODEL")
    String model;

    @Option(names = "--img-size", description = "input resolution (default: the model's native size)")
    int imgSize;

    @Option(names = "--num-classes", description = "classifier outputs (default: 1000; 150 for a segmentation model)")
    Integer numClasses;

    @Option(names = "--json", description = "print JSON (top-level params and macs are integers)")
    boolean json;

    @Override
    public Integer call() throws Exception {
        ModelOptions options = ModelRegistry.options(model, numClasses).withImageSize(imgSize);
        ModelSummary summary = ModelSummary.of(ModelRegistry.get(model), options);
        if (json) {
            System.out.println(new ObjectMapper()
                    .enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(summary));
        } else {
            System.out.print(summary.render());
        }
        return 0;
    }
}
