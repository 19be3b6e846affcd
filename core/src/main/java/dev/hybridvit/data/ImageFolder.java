package dev.hybridvit.data;

import dev.hybridvit.tensor.Printable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * torchvision's ImageFolder: {@code root/<class>/<image>}, classes in sorted directory order.
 * Images are decoded on read and brought to a square {@code loadSize} (shorter side resized,
 * centre-cropped), or through the exact evaluation preprocessing ({@link #forEvaluation}); files that cannot be decoded are reported and skipped when the folder is
 * scanned, and an image that fails later is skipped, the next readable image taking its place (counted in {@link #failedReads()}), so a
 * bad file never ends a run.
 */
public final class ImageFolder implements ImageDataset {
    private final List<Path> files;
    private final int[] labels;
    private final List<String> classes;
    private final List<Path> skipped;
    private final int loadSize;
    private final double cropPct;
    private final Interpolation filter;
    private final AtomicInteger failedReads;
    /** Every file skipped at the scan or failed later, with the reason (concurrent: loaders read in parallel). */
    private final Map<Path, String> problems;

    private ImageFolder(
            List<Path> files,
            int[] labels,
            List<String> classes,
            List<Path> skipped,
            Map<Path, String> problems,
            int loadSize,
            double cropPct,
            Interpolation filter,
            AtomicInteger failedReads) {
        this.problems = problems;
        this.files = files;
        this.labels = labels;
        this.classes = classes;
        this.skipped = skipped;
        this.loadSize = loadSize;
        this.cropPct = cropPct;
        this.filter = filter;
        this.failedReads = failedReads;
    }

    /**
     * The same images through the evaluation preprocessing {@code p} before normalisation (PIL +
     * torchvision's resize of the shorter side to {@code floor(size / crop_pct)} and centre crop,
     * in one step, so the crop offset is torchvision's), {@code p.size()} square.
     */
    public ImageFolder forEvaluation(Preprocessing p) {
        return new ImageFolder(
                files, labels, classes, skipped, problems, p.size(), p.cropPct(), p.interpolation(), failedReads);
    }

    /**
     * Scans {@code root}; every image is checked by reading its header.
     *
     * @param loadSize side of the square images this dataset yields
     */
    public static ImageFolder scan(Path root, int loadSize) throws IOException {
        if (!Files.isDirectory(root))
            throw new IOException(root + " is not a directory (expected one sub-directory per class)");
        List<Path> classDirs;
        try (Stream<Path> s = Files.list(root)) {
            classDirs = s.filter(Files::isDirectory)
                    .filter(p -> !p.getFileName().toString().startsWith("."))
                    .sorted()
                    .toList();
        }
        if (classDirs.isEmpty()) throw new IOException(root + " has no class sub-directories");
        List<String> classes = new ArrayList<>();
        List<Path> files = new ArrayList<>(), skipped = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        Map<Path, String> reasons = new ConcurrentHashMap<>();
        for (int c = 0; c < classDirs.size(); c++) {
            classes.add(classDirs.get(c).getFileName().toString());
            List<Path> candidates;
            try (Stream<Path> s = Files.walk(classDirs.get(c))) {
                candidates = s.filter(Files::isRegularFile)
                        .filter(p -> !p.getFileName().toString().startsWith("."))
                        .sorted()
                        .toList();
            }
            for (Path p : candidates) {
                if (!ImageFiles.hasImageExtension(p)) continue;
                Optional<String> problem = ImageLimits.headerProblem(p);
                if (problem.isEmpty()) {
                    files.add(p);
                    labels.add(c);
                } else {
                    skipped.add(p);
                    reasons.put(p, problem.get());
                }
            }
        }
        if (files.isEmpty())
            throw new IOException(root + ": no readable images (JPEG/PNG/BMP/GIF) in its class directories");
        return new ImageFolder(
                files,
                labels.stream().mapToInt(Integer::intValue).toArray(),
                List.copyOf(classes),
                Collections.unmodifiableList(skipped),
                reasons,
                loadSize,
                1.0,
                Interpolation.BICUBIC,
                new AtomicInteger());
    }

    /** Files that are not decodable images (skipped). */
    public List<Path> skipped() {
        return skipped;
    }

    /** Images that failed to decode after the scan (returned as black). */
    public int failedReads() {
        return failedReads.get();
    }

    /** Each file skipped at the scan or failed at a later read, with why; in file order. */
    @Override
    public Map<Path, String> problems() {
        return new TreeMap<>(problems);
    }

    public Path file(int i) {
        return files.get(i);
    }

    public int label(int i) {
        return labels[i];
    }

    @Override
    public int size() {
        return files.size();
    }

    @Override
    public int channels() {
        return 3;
    }

    @Override
    public int height() {
        return loadSize;
    }

    @Override
    public int width() {
        return loadSize;
    }

    @Override
    public List<String> classNames() {
        return classes;
    }

    @Override
    public int read(int i, float[] out) {
        // an image that fails is skipped: the next readable one (and its label) takes its place
        for (int tried = 0; tried < files.size(); tried++) {
            int j = (i + tried) % files.size();
            if (tried > 0 && problems.containsKey(files.get(j))) continue;
            try {
                float[] img = ImageFiles.toTensor(ImageFiles.decode(files.get(j)), loadSize, cropPct, filter);
                System.arraycopy(img, 0, out, 0, img.length);
                return labels[j];
            } catch (IOException | RuntimeException e) {
                if (problems.put(files.get(j), String.valueOf(e.getMessage())) == null
                        && failedReads.incrementAndGet() == 1)
                    System.err.println("warning: " + Printable.escape(e.getMessage()) + " (skipped)");
            }
        }
        throw new IllegalStateException("no image of " + files.size() + " could be read");
    }
}
