package dev.hybridvit.nn;

import java.util.function.Supplier;

/**
 * Counts multiply-accumulates of convolutions, linear layers and attention matmuls as they run —
 * the same ops the official papers count as "FLOPs" (fvcore / a dispatch-mode counter). Layers
 * report to it; it is off (one thread-local read) unless a {@link #count} is in progress.
 */
public final class MacCounter {
    private static final ThreadLocal<long[]> ACTIVE = new ThreadLocal<>();

    private MacCounter() {}

    /** Runs {@code body} and returns the MACs it performed, per sample of the given batch size. */
    public static <T> long count(int batch, Supplier<T> body) {
        long[] previous = ACTIVE.get();
        long[] acc = new long[1];
        ACTIVE.set(acc);
        try {
            body.get();
        } finally {
            ACTIVE.set(previous);
        }
        if (previous != null) previous[0] += acc[0];
        return acc[0] / batch;
    }

    static void add(long macs) {
        long[] acc = ACTIVE.get();
        if (acc != null) acc[0] += macs;
    }
}
