package dev.hybridvit.weights;

import java.nio.file.Path;

/** A weights or tensor file that cannot be read: names the file and what is wrong with it. */
public class WeightsFormatException extends RuntimeException {
    public WeightsFormatException(Path file, String problem) {
        super(file + ": " + problem);
    }

    /** Keeps the low-level parser error as the cause (for debugging); the message stands on its own. */
    public WeightsFormatException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
    }
}
