package dev.hybridvit.export.quant;

import dev.hybridvit.data.DataSources;
import dev.hybridvit.data.ImageDataset;
import dev.hybridvit.data.Preprocessing;
import dev.hybridvit.models.ModelSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Stream;

/**
 * Calibration images through the model's own preprocessing: the first {@code n} Fashion-MNIST
 * training images (never the test images the accuracy is reported on) with the evaluation
 * transform training used, or the first {@code n} readable image files of a folder (searched
 * recursively, in path order) with the preprocessing recorded in the exported model.
 */
public final class CalibrationImages {
    private static final List<String> EXTENSIONS = List.of(".jpg", ".jpeg", ".png", ".bmp", ".gif");

    private CalibrationImages() {}

    /** {@code source}: {@value DataSources#FASHION_MNIST} or a folder. */
    public static List<float[]> load(String source, ModelSpec spec, Preprocessing pre, int n) throws IOException {
        if (n < 1) throw new IllegalArgumentException("--calibration-images must be ≥ 1, got " + n);
        if (DataSources.FASHION_MNIST.equalsIgnoreCase(source)) {
            DataSources.Splits splits = DataSources.open(source, spec, pre.size(), 0, n, 1);
            ImageDataset train = splits.train();
            if (train.size() < n)
                throw new IllegalArgumentException("Fashion-MNIST has " + train.size() + " training images, "
                        + "--calibration-images asks for " + n);
            List<float[]> images = new ArrayList<>(n);
            float[] raw = new float[train.channels() * train.height() * train.width()];
            for (int i = 0; i < n; i++) {
                train.read(i, raw);
                int[] dims = {train.channels(), train.height(), train.width()};
                images.add(splits.evalTransform().apply(raw.clone(), dims, new Random(0)));
            }
            return images;
        }
        Path dir = Path.of(source);
        if (!Files.isDirectory(dir))
            throw new IllegalArgumentException(
                    "--calibration " + source + ": neither '" + DataSources.FASHION_MNIST + "' nor a folder of images");
        List<float[]> images = folder(dir, pre, n);
        if (images.size() < n) {
            throw new IllegalArgumentException("--calibration " + dir + ": " + images.size()
                    + " readable images, --calibration-images asks for " + n);
        }
        return images;
    }

    /**
     * Up to {@code max} readable images of {@code dir} (searched recursively, in path order)
     * through {@code pre}; unreadable files are skipped, a folder without any readable image is an error.
     */
    public static List<float[]> folder(Path dir, Preprocessing pre, int max) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.walk(dir)) {
            files = s.filter(Files::isRegularFile)
                    .filter(p -> EXTENSIONS.stream()
                            .anyMatch(e -> p.getFileName()
                                    .toString()
                                    .toLowerCase(Locale.ROOT)
                                    .endsWith(e)))
                    .sorted()
                    .toList();
        }
        List<float[]> images = new ArrayList<>();
        int unreadable = 0;
        for (Path f : files) {
            if (images.size() == max) break;
            try {
                images.add(pre.apply(f));
            } catch (IOException | RuntimeException e) {
                unreadable++;
            }
        }
        if (images.isEmpty()) {
            throw new IllegalArgumentException(
                    dir + ": no readable image (" + files.size() + " image files, " + unreadable + " unreadable)");
        }
        return images;
    }
}
