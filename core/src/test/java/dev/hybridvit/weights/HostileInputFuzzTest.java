package dev.hybridvit.weights;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.hybridvit.data.FashionMnist;
import dev.hybridvit.data.ImageFiles;
import dev.hybridvit.data.ImageLimits;
import dev.hybridvit.export.onnx.OnnxGraph;
import dev.hybridvit.export.onnx.OnnxOp;
import dev.hybridvit.infer.OnnxPredictor;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Seeded mutation fuzzing of every file format the project reads: a small valid file is truncated,
 * bit-flipped and overwritten with extreme values (0, -1, 2³¹−1, 2⁶³−1, as binary fields and as
 * decimal text in headers), and each mutant must either load or fail with the project's own error
 * type, naming the file — never another exception — within a bounded time and heap allocation.
 * {@code -Dhybridvit.fuzz.mutants=N} runs N mutants per format (default 150); {@code
 * -Dhybridvit.fuzz.report=FILE} appends how each format's mutants ended.
 */
class HostileInputFuzzTest {
    private static final int MUTANTS = Integer.getInteger("hybridvit.fuzz.mutants", 150);
    /** Per mutant: no read of a file of a few KB may allocate more heap or take longer than this. */
    private static final long MAX_ALLOCATED_BYTES = 64L << 20, MAX_MILLIS = 10_000;

    @TempDir
    Path tmp;

    /** A format: how to write a valid file, read one (into a comparable fingerprint), and its own errors. */
    record Format(String name, String extension, Writer writer, Reader reader) {
        @Override
        public String toString() {
            return name;
        }
    }

    interface Writer {
        void write(Path file) throws Exception;
    }

    interface Reader {
        String read(Path file) throws Exception;
    }

    static Stream<Format> formats() {
        return Stream.of(
                new Format(
                        "pth", ".pth", f -> PthWriter.write(f, sample()), f -> fingerprint(Weights.read(f, MANAGER))),
                new Format(
                        "safetensors",
                        ".safetensors",
                        f -> SafeTensors.write(f, sample(), Map.of("format", "pt")),
                        f -> fingerprint(Weights.read(f, MANAGER))),
                new Format("npz", ".npz", f -> Npz.write(f, sample()), f -> fingerprint(Weights.read(f, MANAGER))),
                new Format("npy", ".npy", f -> Npy.write(f, new long[] {2, 3, 4}, floats(24)), f -> {
                    Npy.Array a = Npy.read(f);
                    return Arrays.toString(a.shape()) + Arrays.hashCode(a.data());
                }),
                new Format("idx", "", f -> writeIdx(f, false), HostileInputFuzzTest::readIdx),
                new Format("idx.gz", ".gz", f -> writeIdx(f, true), HostileInputFuzzTest::readIdx),
                new Format("png", ".png", f -> writeImage(f, "png"), HostileInputFuzzTest::readImage),
                new Format("jpeg", ".jpg", f -> writeImage(f, "jpeg"), HostileInputFuzzTest::readImage),
                new Format("onnx", ".onnx", HostileInputFuzzTest::writeOnnx, HostileInputFuzzTest::readOnnx),
                new Format(
                        "checkpoint",
                        ".safetensors",
                        f -> {
                            try (TinyNet net = TinyNet.create(3, 1)) {
                                Checkpoint.save(f, net, List.of("a", "b", "c"), 2, null, null, Map.of("seed", 7));
                            }
                        },
                        f -> {
                            try (NDManager m = NDManager.newBaseManager();
                                    Checkpoint.Contents c = Checkpoint.read(f, m)) {
                                return c.info() + fingerprint(c.model());
                            }
                        }));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("formats")
    void everyMutantLoadsOrFailsWithTheProjectsErrorNamingTheFile(Format format) throws Exception {
        Path valid = tmp.resolve("valid" + format.extension());
        format.writer().write(valid);
        byte[] original = Files.readAllBytes(valid);
        String want = format.reader().read(valid);
        Random rng = new Random(format.name().hashCode());
        int failed = 0, same = 0;
        // images may decode to the pixel budget (4 bytes a pixel): keep it below the heap bound here
        ImageLimits.setMaxPixels(1 << 20);
        try {
            for (int i = 0; i < MUTANTS; i++) {
                byte[] mutant = Mutator.mutate(original, rng);
                Path file = tmp.resolve("mutant" + i + format.extension());
                Files.write(file, mutant);
                String what = format + " mutant " + i + " (" + Mutator.last + ")";
                long allocated = allocatedBytes(), start = System.nanoTime();
                try {
                    String got = format.reader().read(file);
                    if (Arrays.equals(mutant, original))
                        assertThat(got).as(what).isEqualTo(want);
                    if (got.equals(want)) same++;
                } catch (Exception e) {
                    failed++;
                    assertThat(isOwnError(e)).as(what + " threw " + trace(e)).isTrue();
                    assertThat(e.getMessage()).as(what + " message").contains(file.toString());
                }
                assertThat((System.nanoTime() - start) / 1_000_000)
                        .as(what + " ms")
                        .isLessThan(MAX_MILLIS);
                assertThat(allocatedBytes() - allocated)
                        .as(what + " heap bytes")
                        .isLessThan(MAX_ALLOCATED_BYTES);
                Files.delete(file);
            }
        } finally {
            ImageLimits.setMaxPixels(ImageLimits.DEFAULT_MAX_PIXELS);
        }
        assertThat(failed).as("mutants refused").isPositive();
        String report = System.getProperty("hybridvit.fuzz.report");
        if (report != null) {
            Files.writeString(
                    Path.of(report),
                    String.format(
                            "%s: %d mutants, %d refused with the project's error, %d loaded equal, %d loaded different%n",
                            format, MUTANTS, failed, same, MUTANTS - failed - same),
                    java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND);
        }
    }

    /** The project's error types: a weights/tensor format error, an unreadable image or dataset, a bad model file. */
    private static boolean isOwnError(Exception e) {
        return e instanceof WeightsFormatException
                || e instanceof ImageFiles.UnreadableImageException
                || (e instanceof IOException && e.getClass() == IOException.class)
                || (e instanceof IllegalArgumentException && e.getClass() == IllegalArgumentException.class);
    }

    private static String trace(Throwable e) {
        java.io.StringWriter w = new java.io.StringWriter();
        e.printStackTrace(new java.io.PrintWriter(w));
        return w.toString();
    }

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    // ---- valid files

    private static final NDManager MANAGER = NDManager.newBaseManager();

    private static Map<String, NDArray> sample() {
        Map<String, NDArray> m = new LinkedHashMap<>();
        m.put("conv.weight", MANAGER.create(floats(24), new Shape(2, 3, 2, 2)));
        m.put("fc.bias", MANAGER.create(floats(5), new Shape(5)));
        m.put("bn.num_batches_tracked", MANAGER.create(7L));
        return m;
    }

    private static float[] floats(int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = (i - n / 2) * 0.25f;
        return f;
    }

    private static String fingerprint(Map<String, NDArray> tensors) {
        StringBuilder sb = new StringBuilder();
        tensors.forEach((k, v) -> {
            sb.append(k).append(v.getShape()).append(v.getDataType());
            sb.append(Arrays.hashCode(TestFiles.bytes(Map.of(k, v)).get(k))).append(';');
            v.close();
        });
        return sb.toString();
    }

    /** Three 5×4 images and labels as IDX files; the mutant is the image file. */
    private static void writeIdx(Path file, boolean gzip) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        var out = new java.io.DataOutputStream(b);
        out.writeInt(0x803);
        out.writeInt(3);
        out.writeInt(5);
        out.writeInt(4);
        for (int i = 0; i < 60; i++) out.write(i * 4);
        byte[] data = b.toByteArray();
        if (gzip) {
            ByteArrayOutputStream z = new ByteArrayOutputStream();
            try (GZIPOutputStream g = new GZIPOutputStream(z)) {
                g.write(data);
            }
            data = z.toByteArray();
        }
        Files.write(file, data);
    }

    /** Loads the mutant as {@code t10k} images beside valid labels in a directory of its own. */
    private static String readIdx(Path file) throws IOException {
        Path dir = Files.createDirectories(file.resolveSibling(file.getFileName() + ".d"));
        boolean gz = file.toString().endsWith(".gz");
        Path images = dir.resolve("t10k-images-idx3-ubyte" + (gz ? ".gz" : ""));
        Files.copy(file, images, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.write(dir.resolve("t10k-labels-idx1-ubyte"), new byte[] {0, 0, 8, 1, 0, 0, 0, 3, 1, 2, 3});
        try {
            FashionMnist d = FashionMnist.load(dir, "t10k");
            float[] px = new float[d.height() * d.width()];
            int h = 0;
            for (int i = 0; i < d.size(); i++) h = 31 * h + d.read(i, px) + Arrays.hashCode(px);
            return d.size() + "x" + d.height() + "x" + d.width() + ":" + h;
        } catch (IOException | RuntimeException e) {
            // the error names the copy; name the mutant the way a user would see it
            String m = String.valueOf(e.getMessage()).replace(images.toString(), file.toString());
            if (e instanceof WeightsFormatException) throw new WeightsFormatException(file, m, e);
            throw new IOException(m, e);
        }
    }

    private static void writeImage(Path file, String format) throws IOException {
        BufferedImage img = new BufferedImage(12, 9, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 9; y++) for (int x = 0; x < 12; x++) img.setRGB(x, y, (x * 20) << 16 | (y * 25) << 8 | 77);
        assertThat(ImageIO.write(img, format, file.toFile())).isTrue();
    }

    private static String readImage(Path file) throws IOException {
        BufferedImage img = ImageFiles.decode(file);
        return img.getWidth() + "x" + img.getHeight() + ":"
                + Arrays.hashCode(img.getRGB(0, 0, img.getWidth(), img.getHeight(), null, 0, img.getWidth()));
    }

    /** A two-class classifier on 1×3×4×4 inputs: global average pool, then a matrix product. */
    private static void writeOnnx(Path file) throws IOException {
        OnnxGraph g = new OnnxGraph("fuzz", OnnxGraph.DEFAULT_OPSET, true);
        String x = g.input("input", -1, 3, 4, 4);
        String pooled = g.reduceMean(x, "pool", false, 2, 3);
        String w = g.initializer("fc.weight", floats(6), 3, 2);
        g.output(g.add(OnnxOp.MATMUL, "fc", List.of(pooled, w)), "logits");
        g.metadata("model", "fuzz");
        Files.write(file, g.toBytes());
    }

    private static String readOnnx(Path file) {
        try (OnnxPredictor p =
                OnnxPredictor.open(file, OnnxPredictor.Options.defaults().withThreads(1))) {
            float[] x = floats(p.height() * p.width() * 3);
            try {
                return Arrays.deepToString(p.predict(x, 1, 3, p.height(), p.width()));
            } catch (IllegalStateException e) {
                // the session loaded but its graph fails at run time (a mutated attribute): ORT's own refusal
                throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
            }
        }
    }

    /** Truncations, bit flips and extreme-value overwrites of a byte array, from a seeded generator. */
    static final class Mutator {
        private static final long[] EXTREMES = {0, -1, Integer.MAX_VALUE, Long.MAX_VALUE};
        private static final String[] DECIMALS = {"0", "-1", "2147483647", "9223372036854775807"};
        static String last;

        static byte[] mutate(byte[] in, Random rng) {
            byte[] b = in.clone();
            switch (rng.nextInt(5)) {
                case 0 -> {
                    int n = rng.nextInt(b.length);
                    last = "truncated to " + n;
                    return Arrays.copyOf(b, n);
                }
                case 1 -> {
                    int flips = 1 + rng.nextInt(4);
                    last = flips + " bit flips";
                    for (int i = 0; i < flips; i++) b[rng.nextInt(b.length)] ^= (byte) (1 << rng.nextInt(8));
                    return b;
                }
                case 2, 3 -> {
                    long v = EXTREMES[rng.nextInt(EXTREMES.length)];
                    int width = rng.nextBoolean() ? 4 : 8, at = rng.nextInt(Math.max(1, b.length - width));
                    boolean little = rng.nextBoolean();
                    last = "overwrote " + width + " bytes at " + at + " with " + v + (little ? " LE" : " BE");
                    for (int i = 0; i < width && at + i < b.length; i++) {
                        int shift = 8 * (little ? i : width - 1 - i);
                        b[at + i] = (byte) (shift >= 64 ? 0 : v >>> shift);
                    }
                    return b;
                }
                default -> {
                    return decimal(b, rng);
                }
            }
        }

        /** Replaces a decimal number in the file's text (a JSON, .npy or pickle header) by an extreme one. */
        private static byte[] decimal(byte[] b, Random rng) {
            String s = new String(b, StandardCharsets.ISO_8859_1);
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\d+").matcher(s);
            List<int[]> runs = new java.util.ArrayList<>();
            while (m.find()) runs.add(new int[] {m.start(), m.end()});
            if (runs.isEmpty()) {
                last = "no decimal to overwrite";
                return b;
            }
            int[] r = runs.get(rng.nextInt(runs.size()));
            String v = DECIMALS[rng.nextInt(DECIMALS.length)];
            last = "decimal at " + r[0] + " replaced by " + v;
            return (s.substring(0, r[0]) + v + s.substring(r[1])).getBytes(StandardCharsets.ISO_8859_1);
        }
    }
}
