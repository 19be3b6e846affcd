package dev.hybridvit.data;

import dev.hybridvit.weights.InputBounds;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Fashion-MNIST (Xiao et al. 2017): 28×28 grey images of 10 clothing classes, 60,000 train and
 * 10,000 test, read from the original IDX files (optionally gzipped) — as Debian's
 * {@code dataset-fashion-mnist} installs them in {@code /usr/share/datasets/fashion-mnist}.
 */
public final class FashionMnist implements ImageDataset {
    public static final List<String> CLASSES = List.of(
            "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");
    public static final Path DEBIAN_DIR = Path.of("/usr/share/datasets/fashion-mnist");

    /** The largest image side an IDX header may declare. */
    private static final int MAX_SIDE = 4096;

    private final byte[] pixels;
    private final byte[] labels;
    private final int count, rows, cols;

    private FashionMnist(byte[] pixels, byte[] labels, int count, int rows, int cols) {
        this.pixels = pixels;
        this.labels = labels;
        this.count = count;
        this.rows = rows;
        this.cols = cols;
    }

    /** {@code split} is "train" or "t10k" (the IDX file prefixes). */
    public static FashionMnist load(Path dir, String split) throws IOException {
        Path images = find(dir, split + "-images-idx3-ubyte");
        Path labelFile = find(dir, split + "-labels-idx1-ubyte");
        try (DataInputStream img = open(images);
                DataInputStream lab = open(labelFile)) {
            checkMagic(img, 0x803, images);
            int n = img.readInt(), r = img.readInt(), c = img.readInt();
            checkMagic(lab, 0x801, labelFile);
            int nl = lab.readInt();
            if (nl != n) throw new IOException(labelFile + ": " + nl + " labels for " + n + " images in " + images);
            if (n < 1 || r < 1 || c < 1 || r > MAX_SIDE || c > MAX_SIDE) {
                throw new IOException(images + ": header declares " + n + " images of " + r + "×" + c
                        + " (expected at least one image, sides from 1 to " + MAX_SIDE + ")");
            }
            // the pixel count, checked against the heap and, for a plain file, its size; a .gz is
            // counted while it inflates and must end where the header says
            int pixelBytes = InputBounds.arrayBytes(images, "the image data", (long) n * r * c, 1);
            checkSize(images, 16L + pixelBytes);
            checkSize(labelFile, 8L + n);
            byte[] px = InputBounds.readExactly(img, images, "the image data", pixelBytes, true);
            byte[] lb = InputBounds.readExactly(lab, labelFile, "the label data", n, true);
            for (byte b : lb) {
                if (b < 0 || b >= CLASSES.size())
                    throw new IOException(labelFile + ": label " + b + " out of range 0..9");
            }
            return new FashionMnist(px, lb, n, r, c);
        } catch (IOException e) {
            String m = String.valueOf(e.getMessage());
            if (m.startsWith(images.toString()) || m.startsWith(labelFile.toString())) throw e;
            throw new IOException(
                    images + " or " + labelFile + ": truncated or corrupt IDX data ("
                            + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage())
                            + ")",
                    e);
        }
    }

    /** The first {@code n} images (for quick tests). */
    public FashionMnist head(int n) {
        int k = Math.min(n, count);
        return new FashionMnist(
                java.util.Arrays.copyOf(pixels, k * rows * cols), java.util.Arrays.copyOf(labels, k), k, rows, cols);
    }

    private static Path find(Path dir, String stem) throws IOException {
        for (String ext : new String[] {".gz", ""}) {
            Path p = dir.resolve(stem + ext);
            if (Files.isRegularFile(p)) return p;
        }
        throw new IOException("Fashion-MNIST file " + stem + "[.gz] not found in " + dir);
    }

    /** A plain (not gzipped) IDX file must be exactly as long as its header says. */
    private static void checkSize(Path p, long expected) throws IOException {
        if (p.toString().endsWith(".gz")) return;
        long size = Files.size(p);
        if (size != expected)
            throw new IOException(p + ": file is " + size + " bytes, its header declares " + expected);
    }

    private static DataInputStream open(Path p) throws IOException {
        InputStream in = new java.io.BufferedInputStream(Files.newInputStream(p), 1 << 16);
        return new DataInputStream(p.toString().endsWith(".gz") ? new GZIPInputStream(in, 1 << 16) : in);
    }

    private static void checkMagic(DataInputStream in, int want, Path p) throws IOException {
        int magic = in.readInt();
        if (magic != want)
            throw new IOException(p + ": not an IDX file of the expected kind (magic 0x" + Integer.toHexString(magic)
                    + ", expected 0x" + Integer.toHexString(want) + ")");
    }

    @Override
    public int size() {
        return count;
    }

    @Override
    public int channels() {
        return 1;
    }

    @Override
    public int height() {
        return rows;
    }

    @Override
    public int width() {
        return cols;
    }

    @Override
    public List<String> classNames() {
        return CLASSES;
    }

    public int label(int i) {
        return labels[i];
    }

    @Override
    public int read(int i, float[] out) {
        int n = rows * cols, base = i * n;
        for (int k = 0; k < n; k++) out[k] = (pixels[base + k] & 0xff) / 255f;
        return labels[i];
    }
}
