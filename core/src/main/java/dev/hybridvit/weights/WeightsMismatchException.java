package dev.hybridvit.weights;

import dev.hybridvit.nn.LoadReport;
import dev.hybridvit.nn.StateDictException;
import java.nio.file.Path;

/**
 * A strict load found missing, unexpected or mis-shaped keys: names the file, the model, where the
 * state dict was found and the first offender of each kind (the full lists are in {@link #report()}).
 */
public class WeightsMismatchException extends StateDictException {
    private final String message;

    public WeightsMismatchException(Path file, String model, String context, LoadReport report, String hint) {
        super(report);
        this.message = file + ": does not fit " + model + (context.isEmpty() ? "" : " (" + context + ")") + ": "
                + report.describe().replace("\n", "; ") + (hint == null || hint.isEmpty() ? "" : ". " + hint);
    }

    @Override
    public String getMessage() {
        return message;
    }
}
