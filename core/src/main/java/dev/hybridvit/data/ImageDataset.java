package dev.hybridvit.data;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A labelled image collection with random access: images as C×H×W float32 in [0,1] (before
 * normalisation), labels as class indices. Implementations must be safe for concurrent reads.
 */
public interface ImageDataset {
    int size();

    int channels();

    int height();

    int width();

    List<String> classNames();

    /** Writes image {@code i} into {@code out} (length C·H·W, row-major) and returns its label. */
    int read(int i, float[] out);

    /** Files skipped as unreadable so far (at the scan, or skipped when read later), with why; empty if none. */
    default Map<Path, String> problems() {
        return Map.of();
    }
}
