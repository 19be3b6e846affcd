package dev.hybridvit.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import java.util.Optional;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * The decompression-bomb guard of the image path, as PIL's {@code Image.MAX_IMAGE_PIXELS}: an
 * image's size is read from its header and refused above a pixel budget before a single pixel is
 * decoded (a PNG or JPEG of a few MB can declare gigapixels). The same budget
 * bounds the resized image, so an extreme aspect ratio or crop fraction cannot make the resize
 * allocate gigabytes. The limit is process-wide, like PIL's, and set once by the CLI's
 * {@code --max-image-pixels}.
 *
 * <p>Images under the limit are decoded in full, not subsampled: the preprocessing reproduces
 * PIL's resampling of the full-resolution image, which a subsampled decode would not.
 */
public final class ImageLimits {
    /** PIL's default {@code MAX_IMAGE_PIXELS}: 1024·1024·1024 / 4 / 3. */
    public static final long DEFAULT_MAX_PIXELS = 89_478_485L;

    private static volatile long maxPixels = DEFAULT_MAX_PIXELS;

    private ImageLimits() {}

    public static long maxPixels() {
        return maxPixels;
    }

    /** Sets the process-wide pixel budget (the CLI's {@code --max-image-pixels}). */
    public static void setMaxPixels(long pixels) {
        if (pixels < 1) throw new IllegalArgumentException("--max-image-pixels must be positive, got " + pixels);
        maxPixels = pixels;
    }

    /**
     * Reads the first image's size from {@code reader}'s header and refuses it if it is above the
     * budget; call after {@code setInput} and before {@code read}.
     */
    public static void checkHeader(Path file, ImageReader reader) throws ImageFiles.UnreadableImageException {
        checkHeader(file.toString(), reader);
    }

    /** {@link #checkHeader(Path, ImageReader)} for an image held elsewhere, {@code source} naming it in errors. */
    public static void checkHeader(String file, ImageReader reader) throws ImageFiles.UnreadableImageException {
        int w, h;
        try {
            w = reader.getWidth(0);
            h = reader.getHeight(0);
        } catch (IOException | RuntimeException e) {
            throw new ImageFiles.UnreadableImageException(file, "cannot read the image header: " + e.getMessage());
        }
        if (w < 1 || h < 1) {
            throw new ImageFiles.UnreadableImageException(file, "header declares a " + w + "×" + h + " image");
        }
        long pixels = (long) w * h;
        if (pixels > maxPixels) {
            throw new ImageFiles.UnreadableImageException(
                    file,
                    w + "×" + h + " = " + pixels + " pixels, more than the limit of " + maxPixels
                            + " (a decompression bomb?); raise it with --max-image-pixels if the image is genuine");
        }
    }

    /**
     * Refuses resizing a {@code width}×{@code height} image so that its shorter side becomes
     * {@code shorterSide} when the result would be above the pixel budget.
     */
    public static void checkResize(int width, int height, double shorterSide) {
        double resized = shorterSide * (shorterSide * Math.max(width, height) / Math.min(width, height));
        if (!(resized <= maxPixels)) {
            throw new IllegalArgumentException(String.format(
                    Locale.ROOT,
                    "resizing a %d×%d image to a shorter side of %.0f would make %.0f pixels, more than the limit"
                            + " of %d (extreme aspect ratio or crop fraction)",
                    width,
                    height,
                    shorterSide,
                    resized,
                    maxPixels));
        }
    }

    /**
     * Why {@code file} cannot be used as an image, read from its header only (format known, size
     * within the budget), or empty if it looks decodable.
     */
    public static Optional<String> headerProblem(Path file) {
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            if (in == null) return Optional.of("cannot open");
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) return Optional.of("unknown format");
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                checkHeader(file, reader);
                return Optional.empty();
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            return Optional.of(String.valueOf(e.getMessage()));
        }
    }
}
