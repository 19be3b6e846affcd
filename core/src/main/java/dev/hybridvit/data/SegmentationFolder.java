package dev.hybridvit.data;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * A semantic segmentation set in ADE20K's folder layout, as mmseg's {@code ADE20KDataset} reads
 * it: {@code images/<split>/NAME.jpg} with {@code annotations/<split>/NAME.png}, the annotation an
 * 8-bit single-band (or palette) PNG whose samples are class indices and 255 the ignored label.
 * With {@code reduceZeroLabel} (ADE20K's own files, where 0 means "other") 0 becomes 255 and every
 * other label moves down by one, so ADE20K's 1…150 become 0…149.
 *
 * <p>Class names come from {@code classes.txt} in the root (one per line) when present, otherwise
 * they are numbered. Every image is checked by its header when the folder is opened
 * ({@link ImageLimits}); a missing annotation, an annotation of another size or a label outside
 * the classes is an error naming the file.
 */
public final class SegmentationFolder {
    /** The label of pixels that count nowhere (mmseg's {@code ignore_index}). */
    public static final int IGNORE = 255;

    public static final String CLASSES_FILE = "classes.txt";

    private final Path root;
    private final String split;
    private final List<Path> images, annotations;
    private final List<String> classes;
    private final boolean reduceZeroLabel;

    /** One image with its labels (row-major, {@code width × height}, values 0…K−1 or {@link #IGNORE}). */
    public record Sample(RgbImage image, byte[] label) {
        public Sample {
            if (label.length != image.width() * image.height())
                throw new IllegalArgumentException(
                        label.length + " labels for a " + image.width() + "×" + image.height() + " image");
        }

        public int width() {
            return image.width();
        }

        public int height() {
            return image.height();
        }
    }

    private SegmentationFolder(
            Path root,
            String split,
            List<Path> images,
            List<Path> annotations,
            List<String> classes,
            boolean reduceZeroLabel) {
        this.root = root;
        this.split = split;
        this.images = images;
        this.annotations = annotations;
        this.classes = classes;
        this.reduceZeroLabel = reduceZeroLabel;
    }

    /**
     * Opens split {@code split} ({@code training} or {@code validation}) of {@code root}.
     *
     * @param numClasses the class count when {@code root} has no {@code classes.txt} (0: required there)
     */
    public static SegmentationFolder open(Path root, String split, boolean reduceZeroLabel, int numClasses)
            throws IOException {
        Path imageDir = root.resolve("images").resolve(split),
                annDir = root.resolve("annotations").resolve(split);
        if (!Files.isDirectory(imageDir))
            throw new IOException(imageDir + " is not a directory (expected ADE20K's images/" + split + "/*.jpg)");
        if (!Files.isDirectory(annDir))
            throw new IOException(annDir + " is not a directory (expected ADE20K's annotations/" + split + "/*.png)");
        List<Path> images, annotations = new ArrayList<>();
        try (Stream<Path> s = Files.list(imageDir)) {
            images = s.filter(Files::isRegularFile)
                    .filter(p -> !p.getFileName().toString().startsWith("."))
                    .filter(ImageFiles::hasImageExtension)
                    .sorted()
                    .toList();
        }
        if (images.isEmpty()) throw new IOException(imageDir + " holds no images (JPEG/PNG/BMP/GIF)");
        for (Path img : images) {
            String name = img.getFileName().toString();
            Path ann = annDir.resolve(name.substring(0, name.lastIndexOf('.')) + ".png");
            if (!Files.isRegularFile(ann)) throw new IOException(img + " has no annotation " + ann);
            for (Path p : List.of(img, ann)) {
                var problem = ImageLimits.headerProblem(p);
                if (problem.isPresent())
                    throw new IOException(
                            problem.get().contains(p.toString()) ? problem.get() : p + ": " + problem.get());
            }
            annotations.add(ann);
        }
        List<String> classes = readClasses(root, numClasses);
        return new SegmentationFolder(root, split, images, annotations, classes, reduceZeroLabel);
    }

    private static List<String> readClasses(Path root, int numClasses) throws IOException {
        Path file = root.resolve(CLASSES_FILE);
        if (Files.isRegularFile(file)) {
            List<String> names = Files.readAllLines(file, StandardCharsets.UTF_8).stream()
                    .map(String::strip)
                    .filter(l -> !l.isEmpty())
                    .toList();
            if (names.isEmpty() || names.size() > IGNORE)
                throw new IOException(
                        file + ": expected 1 to " + IGNORE + " class names, one per line, got " + names.size());
            if (numClasses > 0 && numClasses != names.size())
                throw new IOException(file + " names " + names.size() + " classes, expected " + numClasses);
            return names;
        }
        if (numClasses < 1 || numClasses > IGNORE)
            throw new IOException(
                    root + " has no " + CLASSES_FILE + ": give the number of classes (1 to " + IGNORE + ")");
        List<String> names = new ArrayList<>();
        for (int c = 0; c < numClasses; c++) names.add("class " + c);
        return List.copyOf(names);
    }

    public int size() {
        return images.size();
    }

    public List<String> classes() {
        return classes;
    }

    public Path image(int i) {
        return images.get(i);
    }

    /** Where the set is and which split, for messages. */
    public String describe() {
        return root + " (" + split + ", " + size() + " images" + (reduceZeroLabel ? ", reduce_zero_label" : "") + ")";
    }

    /** Decodes image {@code i} and its labels. */
    public Sample read(int i) throws IOException {
        RgbImage image = RgbImage.of(ImageFiles.decode(images.get(i)));
        Path annFile = annotations.get(i);
        BufferedImage ann = ImageFiles.decode(annFile);
        if (ann.getWidth() != image.width() || ann.getHeight() != image.height())
            throw new IOException(annFile + " is " + ann.getWidth() + "×" + ann.getHeight() + ", its image "
                    + images.get(i).getFileName() + " " + image.width() + "×" + image.height());
        Raster r = ann.getRaster();
        if (r.getSampleModel().getSampleSize(0) != 8)
            throw new IOException(annFile + ": expected 8-bit class indices, got "
                    + r.getSampleModel().getSampleSize(0) + "-bit samples");
        int w = image.width(), h = image.height();
        byte[] label = new byte[w * h];
        int k = classes.size();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int v = r.getSample(x, y, 0);
                if (reduceZeroLabel) v = v == 0 ? IGNORE : v == IGNORE ? IGNORE : v - 1;
                if (v >= k && v != IGNORE)
                    throw new IOException(String.format(
                            Locale.ROOT,
                            "%s: label %d at (%d, %d) is outside 0..%d and not the ignore label %d",
                            annFile,
                            v,
                            x,
                            y,
                            k - 1,
                            IGNORE));
                label[y * w + x] = (byte) v;
            }
        }
        return new Sample(image, label);
    }
}
