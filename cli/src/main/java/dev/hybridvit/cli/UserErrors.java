package dev.hybridvit.cli;

import dev.hybridvit.nn.StateDictException;
import dev.hybridvit.weights.WeightsFormatException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;

/** Turns exceptions into one-line messages for users; bad input is a usage error (exit 2). */
final class UserErrors {
    private UserErrors() {}

    static boolean isUserError(Throwable e) {
        return e instanceof IllegalArgumentException
                || e instanceof WeightsFormatException
                || e instanceof StateDictException
                || e instanceof IOException;
    }

    static String describe(Throwable e) {
        if (e instanceof NoSuchFileException f) return "no such file: " + f.getFile();
        if (e instanceof AccessDeniedException f) return "permission denied: " + f.getFile();
        if (e instanceof StateDictException s) {
            return "weights do not match the model:\n  " + s.report().describe().replace("\n", "\n  ");
        }
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }
}
