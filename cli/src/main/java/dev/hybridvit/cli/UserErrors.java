package dev.hybridvit.cli;

import dev.hybridvit.nn.StateDictException;
import dev.hybridvit.tensor.Printable;
import dev.hybridvit.weights.WeightsFormatException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Turns exceptions into one-line messages for users; bad input is a usage error (exit 2). An
 * {@link OutOfMemoryError} or {@link StackOverflowError} counts as bad input too: the readers bound
 * everything a file declares, so what is left to exhaust the heap or stack is an input too large or
 * too deeply nested for the settings. Text is escaped, since messages quote names read from files.
 */
final class UserErrors {
    private UserErrors() {}

    /**
     * The exception that explains {@code e}: an exhausted heap or stack anywhere in its causes (a
     * loader thread's error arrives wrapped), else the cause of a wrapper from a worker thread or stream.
     */
    static Throwable unwrap(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof OutOfMemoryError || c instanceof StackOverflowError) return c;
        }
        while ((e instanceof ExecutionException
                        || e instanceof CompletionException
                        || e instanceof UncheckedIOException)
                && e.getCause() != null) e = e.getCause();
        return e;
    }

    static boolean isUserError(Throwable e) {
        e = unwrap(e);
        return e instanceof IllegalArgumentException
                || e instanceof WeightsFormatException
                || e instanceof StateDictException
                || e instanceof IOException
                || e instanceof OutOfMemoryError
                || e instanceof StackOverflowError;
    }

    static String describe(Throwable e) {
        e = unwrap(e);
        if (e instanceof NoSuchFileException f) return "no such file: " + Printable.escape(f.getFile());
        if (e instanceof AccessDeniedException f) return "permission denied: " + Printable.escape(f.getFile());
        if (e instanceof StateDictException s) {
            return "weights do not match the model:\n  " + s.report().describe().replace("\n", "\n  ");
        }
        if (e instanceof OutOfMemoryError) {
            return "out of memory (" + e.getMessage() + "): an input needs more than the "
                    + Runtime.getRuntime().maxMemory() / (1 << 20)
                    + " MB heap; if it is genuine, give Java more (HYBRIDVIT_JAVA_OPTS=-Xmx...)";
        }
        if (e instanceof StackOverflowError) {
            return "an input is nested too deeply to process (stack overflow); if it is genuine, raise -Xss";
        }
        String m = e.getMessage();
        String text = m == null ? e.getClass().getSimpleName() : m;
        return Printable.escape(
                isUserError(e) ? text : "internal error: " + e.getClass().getName() + ": " + text);
    }
}
