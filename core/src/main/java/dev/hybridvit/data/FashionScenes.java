package dev.hybridvit.data;

import dev.hybridvit.weights.AtomicFiles;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;

/**
 * A real segmentation set from Fashion-MNIST: each scene is a square canvas with one to
 * {@code maxItems} Fashion-MNIST items placed on it, and every pixel's label comes from the
 * item pixel drawn there. Scene {@code i} is a pure function of (seed, i): its random stream is
 * {@code SplittableRandom(seed · 1000003 + i)}, which draws, in order, the background colour, the
 * item count, then per item its index into the source split, an integer zoom (1 or 2, nearest
 * neighbour), its top-left corner (uniform, fully inside the canvas) and its colour.
 *
 * <p>An item pixel of intensity a ∈ [0,1] blends the item colour over what is below with weight
 * a; it takes the item's label (class + 1) where a ≥ {@value #LABEL_THRESHOLD}, so faint edges
 * keep the label beneath and later items occlude earlier ones. Label 0 is the background. Training
 * scenes draw items from the training split, validation scenes from the test split, so no item is
 * seen in both.
 */
public final class FashionScenes {
    /** Minimum item intensity for a pixel to take the item's label. */
    public static final double LABEL_THRESHOLD = 0.25;

    /** {@code background}, then the ten Fashion-MNIST classes. */
    public static final List<String> CLASSES = classes();

    private final FashionMnist items;
    private final int size, maxItems;
    private final long seed;

    /** One scene: 3×size×size RGB in [0,1] (row-major) and size×size labels. */
    public record Scene(float[] rgb, int[] label, int size) {}

    public FashionScenes(FashionMnist items, int size, int maxItems, long seed) {
        if (size < items.height() || size < items.width())
            throw new IllegalArgumentException(
                    "scene size " + size + " is smaller than a " + items.height() + "x" + items.width() + " item");
        if (maxItems < 1) throw new IllegalArgumentException("maxItems must be at least 1, got " + maxItems);
        this.items = items;
        this.size = size;
        this.maxItems = maxItems;
        this.seed = seed;
    }

    private static List<String> classes() {
        List<String> c = new ArrayList<>();
        c.add("background");
        c.addAll(FashionMnist.CLASSES);
        return List.copyOf(c);
    }

    public Scene scene(int index) {
        SplittableRandom r = new SplittableRandom(seed * 1_000_003L + index);
        int hw = size * size;
        float[] rgb = new float[3 * hw];
        int[] label = new int[hw];
        for (int c = 0; c < 3; c++) {
            float bg = (float) (0.05 + 0.3 * r.nextDouble());
            java.util.Arrays.fill(rgb, c * hw, (c + 1) * hw, bg);
        }
        int count = 1 + r.nextInt(maxItems);
        int ih = items.height(), iw = items.width();
        float[] item = new float[ih * iw];
        for (int k = 0; k < count; k++) {
            int which = r.nextInt(items.size());
            int cls = items.read(which, item);
            int zoom = size >= 2 * Math.max(ih, iw) && r.nextBoolean() ? 2 : 1;
            int h = ih * zoom, w = iw * zoom;
            int top = r.nextInt(size - h + 1), left = r.nextInt(size - w + 1);
            float[] colour = {
                (float) (0.4 + 0.6 * r.nextDouble()),
                (float) (0.4 + 0.6 * r.nextDouble()),
                (float) (0.4 + 0.6 * r.nextDouble())
            };
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    float a = item[(y / zoom) * iw + x / zoom];
                    if (a == 0) continue;
                    int p = (top + y) * size + left + x;
                    for (int c = 0; c < 3; c++) rgb[c * hw + p] = rgb[c * hw + p] * (1 - a) + colour[c] * a;
                    if (a >= LABEL_THRESHOLD) label[p] = cls + 1;
                }
            }
        }
        return new Scene(rgb, label, size);
    }

    /**
     * Writes {@code count} scenes in ADE20K's layout under {@code root}: {@code images/<split>/scene_NNNNN.jpg}
     * and {@code annotations/<split>/scene_NNNNN.png} (8-bit labels, 0 = background, so read it
     * without {@code reduce_zero_label}) and the class names in {@code classes.txt}, each written
     * atomically; {@link SegmentationFolder} reads it back.
     */
    public void writeAde20k(Path root, String split, int count) throws IOException {
        Files.createDirectories(root);
        byte[] names = (String.join("\n", CLASSES) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        AtomicFiles.write(root.resolve(SegmentationFolder.CLASSES_FILE), out -> out.write(names));
        Path images = Files.createDirectories(root.resolve("images").resolve(split));
        Path annotations = Files.createDirectories(root.resolve("annotations").resolve(split));
        for (int i = 0; i < count; i++) {
            Scene s = scene(i);
            String stem = String.format("scene_%05d", i);
            BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
            BufferedImage ann = new BufferedImage(size, size, BufferedImage.TYPE_BYTE_GRAY);
            int hw = size * size;
            for (int p = 0; p < hw; p++) {
                int rr = Math.round(s.rgb[p] * 255),
                        gg = Math.round(s.rgb[hw + p] * 255),
                        bb = Math.round(s.rgb[2 * hw + p] * 255);
                img.setRGB(p % size, p / size, (rr << 16) | (gg << 8) | bb);
                ann.getRaster().setSample(p % size, p / size, 0, s.label[p]);
            }
            write(img, "jpg", images.resolve(stem + ".jpg"));
            write(ann, "png", annotations.resolve(stem + ".png"));
        }
    }

    private static void write(BufferedImage img, String format, Path file) throws IOException {
        AtomicFiles.write(file, out -> {
            if (!ImageIO.write(img, format, out)) throw new IOException("no " + format + " writer");
        });
    }
}
