package dev.hybridvit.weights;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Checks a file's declared sizes before anything is allocated: element counts multiplied with
 * overflow checks, one array capped by the heap, and streams (zip entries, gzip) read with their
 * output counted while they inflate, so a header that understates a decompression bomb cannot
 * make a reader allocate more than the bound it was given.
 */
public final class InputBounds {
    private InputBounds() {}

    /**
     * The most bytes one array read from a file may hold: an eighth of the JVM's maximum heap
     * (256 MB at {@code -Xmx2g}), so decoding it, with its copies, fits. Real weights hold arrays of
     * a few MB; raise {@code -Xmx} for larger ones.
     */
    public static long maxArrayBytes() {
        return Math.min(Integer.MAX_VALUE - 8L, Runtime.getRuntime().maxMemory() / 8);
    }

    /**
     * The number of elements of {@code shape}, refusing negative dimensions and products that
     * overflow; {@code what} names the array in the message ({@code "tensor 'fc.weight'"}).
     */
    public static long numel(Path file, String what, long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0)
                throw new WeightsFormatException(
                        file, what + " has a negative dimension in shape " + Arrays.toString(shape));
            try {
                n = Math.multiplyExact(n, d);
            } catch (ArithmeticException e) {
                throw new WeightsFormatException(
                        file,
                        what + " has shape " + Arrays.toString(shape) + ", whose element count overflows 64 bits");
            }
        }
        return n;
    }

    /**
     * The bytes of {@code numel} elements of {@code width} bytes, refused if above {@link #maxArrayBytes()}.
     */
    public static int arrayBytes(Path file, String what, long numel, int width) {
        long max = maxArrayBytes();
        if (numel < 0 || numel > max / width) {
            throw new WeightsFormatException(
                    file,
                    what + " declares " + numel + " elements of " + width + " bytes, more than the " + max
                            + "-byte limit for one array (an eighth of the maximum heap; raise -Xmx if the file is genuine)");
        }
        return (int) (numel * width);
    }

    /**
     * Reads exactly {@code expected} bytes of {@code in}; fails if the stream ends earlier or, when
     * {@code exact}, holds more (counted as it inflates, one byte past the bound at most).
     */
    public static byte[] readExactly(InputStream in, Path file, String what, int expected, boolean exact)
            throws IOException {
        byte[] data = in.readNBytes(expected);
        if (data.length < expected) {
            throw new WeightsFormatException(
                    file, what + " is truncated: " + data.length + " of the " + expected + " declared bytes");
        }
        if (exact && in.read() >= 0) {
            throw new WeightsFormatException(
                    file,
                    what + " holds more than the " + expected
                            + " bytes it declares (corrupt, or a decompression bomb)");
        }
        return data;
    }

    /** Reads all of {@code in}, failing as soon as it inflates beyond {@code max} bytes. */
    public static byte[] readAtMost(InputStream in, Path file, String what, int max) throws IOException {
        byte[] data = in.readNBytes(max);
        if (data.length == max && in.read() >= 0) {
            throw new WeightsFormatException(
                    file, what + " inflates to more than " + max + " bytes (corrupt, or a decompression bomb)");
        }
        return data;
    }
}
