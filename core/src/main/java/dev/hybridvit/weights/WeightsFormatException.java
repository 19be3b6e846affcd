package dev.hybridvit.weights;

import dev.hybridvit.tensor.Printable;
import java.nio.file.Path;

/**
 * A weights or tensor file that cannot be read: names the file and what is wrong with it. Names
 * taken from the file are in the message, so it is escaped ({@link Printable}) to be safe to print.
 */
public class WeightsFormatException extends RuntimeException {
    public WeightsFormatException(Path file, String problem) {
        super(Printable.escape(file + ": " + problem));
    }

    /** Keeps the low-level parser error as the cause (for debugging); the message stands on its own. */
    public WeightsFormatException(Path file, String problem, Throwable cause) {
        super(Printable.escape(file + ": " + problem), cause);
    }
}
