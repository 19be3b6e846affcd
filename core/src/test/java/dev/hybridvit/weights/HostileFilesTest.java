package dev.hybridvit.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import dev.hybridvit.data.FashionMnist;
import dev.hybridvit.data.ImageFiles;
import dev.hybridvit.data.ImageFolder;
import dev.hybridvit.data.ImageLimits;
import dev.hybridvit.export.onnx.OnnxGraph;
import dev.hybridvit.export.onnx.OnnxOp;
import dev.hybridvit.infer.OnnxPredictor;
import dev.hybridvit.nn.LoadReport;
import dev.hybridvit.tensor.Finite;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hand-made hostile files, one per attack on a reader: declared sizes that do not match the data,
 * decompression bombs, views outside their storage, recursive pickles, pixel bombs. Each must be
 * refused with the project's error naming the file, before the reader allocates what it declares.
 * Big files are generated here, not committed.
 */
class HostileFilesTest {
    private static final NDManager MANAGER = NDManager.newBaseManager();

    @TempDir
    Path dir;

    @AfterAll
    static void close() {
        MANAGER.close();
    }

    // ---- safetensors and the project's checkpoint

    @Test
    void headerLengthOfTwoGigabytesInATenByteFileIsRefusedBeforeAllocating() throws IOException {
        Path f = dir.resolve("tiny.safetensors");
        Files.write(
                f,
                ByteBuffer.allocate(10)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .putLong(Integer.MAX_VALUE)
                        .array());
        assertThat(Checkpoint.info(f)).isEmpty();
        assertThatThrownBy(() -> SafeTensors.metadata(f))
                .isInstanceOf(WeightsFormatException.class)
                .hasMessageContaining(f.toString())
                .hasMessageContaining("header length 2147483647");
        assertThatThrownBy(() -> Checkpoint.read(f, MANAGER)).isInstanceOf(WeightsFormatException.class);
    }

    @Test
    void overlappingOrGappedSafetensorsRangesAreRefused() throws IOException {
        String overlap = "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}";
        assertThatThrownBy(() -> SafeTensors.read(safetensors("overlap", overlap, 16), MANAGER))
                .isInstanceOf(WeightsFormatException.class)
                .hasMessageContaining("overlapping");
        String gap = "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}";
        assertThatThrownBy(() -> SafeTensors.read(safetensors("gap", gap, 32), MANAGER))
                .isInstanceOf(WeightsFormatException.class)
                .hasMessageContaining("cover 16 of the 32");
        String dup = "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}";
        assertThatThrownBy(() -> SafeTensors.read(safetensors("dup", dup, 16), MANAGER))
                .isInstanceOf(WeightsFormatException.class)
                .hasMessageContaining("Duplicate field 'a'");
        String huge = "{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,16]}}";
        assertThatThrownBy(() -> SafeTensors.read(safetensors("huge", huge, 16), MANAGER))
                .isInstanceOf(WeightsFormatException.class)
                .hasMessageContaining("overflows");
    }

    private Path safetensors(String name, String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        Path f = dir.resolve(name + ".safetensors");
        Files.write(
                f,
                ByteBuffer.allocate(8 + h.length + dataBytes)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .putLong(h.length)
                        .put(h)
                        .array());
        return f;
    }

    @Test
    void checkpointConfigOfTheWrongTypeOrAbsurdSizeIsRefused() throws IOException {
        for (String config : List.of("{\"num_classes\":\"many\"}", "{\"num_classes\":2147483647}", "[1]")) {
            Path f = dir.resolve("bad.safetensors");
            SafeTensors.write(
                    f, Map.of(), Map.of("format", Checkpoint.FORMAT, "model", "nextvit_small", "config", config));
            assertThatThrownBy(() -> Checkpoint.info(f))
                    .as(config)
                    .isInstanceOf(WeightsFormatException.class)
                    .hasMessageContaining(f.toString());
        }
    }

    // ---- PyTorch zip checkpoints

    @Test
    void pickleThatInflatesBeyondTheLimitIsStoppedWhileInflating() throws IOException {
        byte[] zeros = new byte[65 << 20];
        Path f = dir.resolve("bomb.pth");
        try (OutputStream raw = Files.newOutputStream(f);
                ZipOutputStream zip = new ZipOutputStream(raw)) {
            zip.setLevel(Deflater.BEST_COMPRESSION);
            zip.putNextEntry(new ZipEntry("archive/data.pkl"));
            zip.write(zeros);
            zip.closeEntry();
        }
        setCentralDirectorySize(f, "archive/data.pkl", 100);
        assertThat(Files.size(f)).isLessThan(1 << 20);
        assertThatThrownBy(() -> TorchCheckpoint.open(f))
                .isInstanceOf(WeightsFormatException.class)
                .hasMessageContaining(f.toString())
                .hasMessageContaining("inflates to more than");
    }

    /** Rewrites the uncompressed size the central directory records for {@code name}. */
    private static void setCentralDirectorySize(Path f, String name, int size) throws IOException {
        byte[] b = Files.readAllBytes(f);
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i + 46 < b.length; i++) {
            if (buf.getInt(i) == 0x02014b50
                    && buf.getShort(i + 28) == n.length
                    && new String(b, i + 46, n.length, StandardCharsets.UTF_8).equals(name)) {
                buf.putInt(i + 24, size);
            }
        }
        Files.write(f, b);
    }

    @Test
    void zipWithTwoEntriesOfOneNameIsRefused() throws IOException {
        Path f = dir.resolve("twice.pth");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(f))) {
            for (String name : List.of("archive/data.pkl", "archive/data.pkm")) {
                zip.putNextEntry(new ZipEntry(name));
                zip.write(new byte[] {(byte) 0x80, 2, '}', '.'});
                zip.closeEntry();
            }
        }
        byte[] b = Files.readAllBytes(f);
        // rename the second entry (same length) in its local header and the central directory
        String s = new String(b, StandardCharsets.ISO_8859_1).replace("archive/data.pkm", "archive/data.pkl");
        assertThat(s).isNotEqualTo(new String(b, StandardCharsets.ISO_8859_1));
        Files.write(f, s.getBytes(StandardCharsets.ISO_8859_1));
        assertThatThrownBy(() -> TorchCheckpoint.open(f))
                .isInstanceOf(WeightsFormatException.class)
                .hasMessageContaining("two entries named 'archive/data.pkl'");
    }

    @Test
    void viewsOutsideTheirStorageAreRefused() throws IOException {
        long big = 1L << 62;
        record Case(long offset, long[] size, long[] stride, String message) {}
        for (Case c : List.of(
                new Case(0, new long[] {1_000_000_000}, new long[] {0}, "expanded views are not accepted"),
                new Case(-big, new long[] {4}, new long[] {1}, "storage_offset is"),
                new Case(0, new long[] {2, 2}, new long[] {big, 1}, "which has only 4"),
                new Case(3, new long[] {2}, new long[] {1}, "which has only 4"))) {
            Path f = TestFiles.pth(
                    dir.resolve("view.pth"), tensorPickle(c.offset, c.size, c.stride, 4), Map.of("0", new byte[16]));
            assertThatThrownBy(() -> Weights.read(f, MANAGER))
                    .as(c.message)
                    .isInstanceOf(WeightsFormatException.class)
                    .hasMessageContaining(f.toString())
                    .hasMessageContaining(c.message);
        }
    }

    @Test
    void unhashableRecursiveOrDeepPicklesAreRefusedQuickly() throws IOException {
        // a list that contains itself, used as a dict key
        byte[] cyclicKey = {(byte) 0x80, 2, '}', ']', 'q', 0, 'h', 0, 'a', 'J', 1, 0, 0, 0, 's', '.'};
        // a tuple DAG of 60 levels (each level holds the one below twice) as a key: 2^60 steps to hash
        ByteArrayOutputStream dag = new ByteArrayOutputStream();
        dag.write(new byte[] {(byte) 0x80, 2, '}', ')', 'q', 0, '0'});
        for (int i = 1; i <= 60; i++)
            dag.write(new byte[] {'h', (byte) (i - 1), 'h', (byte) (i - 1), (byte) 0x86, 'q', (byte) i, '0'});
        dag.write(new byte[] {'h', 60});
        dag.write(new byte[] {'J', 1, 0, 0, 0, 's', '.'});
        // a value nested 400,000 lists deep
        ByteArrayOutputStream deep = new ByteArrayOutputStream();
        deep.write(new byte[] {(byte) 0x80, 2, '}', 'X', 1, 0, 0, 0, 'k'});
        for (int i = 0; i < 400_000; i++) deep.write(']');
        for (int i = 1; i < 400_000; i++) deep.write('a');
        deep.write(new byte[] {'s', '.'});
        for (byte[] pickle : List.of(cyclicKey, dag.toByteArray(), deep.toByteArray())) {
            Path f = TestFiles.pth(dir.resolve("pickle.pth"), pickle, Map.of());
            long start = System.nanoTime();
            assertThatThrownBy(() -> TorchCheckpoint.open(f))
                    .isInstanceOf(WeightsFormatException.class)
                    .hasMessageContaining(f.toString())
                    .hasMessageMatching("(?s).*(dict key|nested more than).*");
            assertThat((System.nanoTime() - start) / 1e9).isLessThan(5);
        }
    }

    /** {@code {'w': _rebuild_tensor_v2(storage '0' of numel floats, offset, size, stride, False, OrderedDict())}}. */
    private static byte[] tensorPickle(long offset, long[] size, long[] stride, long numel) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(b);
        out.write(new byte[] {(byte) 0x80, 2, '}'});
        unicode(out, "w");
        out.writeBytes("ctorch._utils\n_rebuild_tensor_v2\n(");
        out.write('(');
        unicode(out, "storage");
        out.writeBytes("ctorch\nFloatStorage\n");
        unicode(out, "0");
        unicode(out, "cpu");
        long1(out, numel);
        out.write(new byte[] {'t', 'Q'});
        long1(out, offset);
        out.write('(');
        for (long s : size) long1(out, s);
        out.write('t');
        out.write('(');
        for (long s : stride) long1(out, s);
        out.write('t');
        out.write(0x89);
        out.writeBytes("ccollections\nOrderedDict\n)R");
        out.write(new byte[] {'t', 'R', 's', '.'});
        return b.toByteArray();
    }

    private static void unicode(DataOutputStream out, String s) throws IOException {
        byte[] u = s.getBytes(StandardCharsets.UTF_8);
        out.write('X');
        out.write(ByteBuffer.allocate(4)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putInt(u.length)
                .array());
        out.write(u);
    }

    private static void long1(DataOutputStream out, long v) throws IOException {
        out.write(0x8a);
        out.write(8);
        out.write(
                ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
    }

    // ---- NumPy

    @Test
    void npzMemberDeclaringBillionsOfElementsIsRefusedBeforeReading() throws IOException {
        Path f = dir.resolve("huge.npz");
        String header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2000000000,), }";
        try (OutputStream raw = Files.newOutputStream(f);
                ZipOutputStream zip = new ZipOutputStream(raw)) {
            zip.putNextEntry(new ZipEntry("w.npy"));
            zip.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) header.length(), 0});
            zip.write(header.getBytes(StandardCharsets.ISO_8859_1));
            zip.write(new byte[2 << 20]);
            zip.closeEntry();
        }
        assertThatThrownBy(() -> Npz.read(f, MANAGER))
                .isInstanceOf(WeightsFormatException.class)
                .hasMessageContaining(f.toString())
                .hasMessageContaining("2000000000 elements");
    }

    // ---- Fashion-MNIST IDX

    @Test
    void gzippedIdxHoldingMoreThanItDeclaresIsRefusedWhileInflating() throws IOException {
        Path images = dir.resolve("t10k-images-idx3-ubyte.gz");
        try (DataOutputStream out =
                new DataOutputStream(new GZIPOutputStream(Files.newOutputStream(images), 1 << 16))) {
            out.writeInt(0x803);
            out.writeInt(2);
            out.writeInt(28);
            out.writeInt(28);
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 64; i++) out.write(zeros); // 64 MB where 1,568 bytes are declared
        }
        Files.write(dir.resolve("t10k-labels-idx1-ubyte"), new byte[] {0, 0, 8, 1, 0, 0, 0, 2, 1, 2});
        assertThatThrownBy(() -> FashionMnist.load(dir, "t10k"))
                .isInstanceOf(WeightsFormatException.class)
                .hasMessageContaining(images.toString())
                .hasMessageContaining("holds more than the 1568 bytes");
    }

    // ---- images

    @Test
    void pixelBombIsRefusedFromItsHeaderBeforeDecoding() throws IOException {
        Path f = dir.resolve("bomb.png");
        Files.write(f, png(46_000, 46_000));
        assertThat(Files.size(f)).isLessThan(100);
        assertThatThrownBy(() -> ImageFiles.decode(f))
                .isInstanceOf(ImageFiles.UnreadableImageException.class)
                .hasMessageContaining(f.toString())
                .hasMessageContaining("46000×46000 = 2116000000 pixels, more than the limit of 89478485");
        assertThat(ImageLimits.headerProblem(f)).isPresent();
    }

    @Test
    void imageFolderSkipsABombAndAnUndecodableImageWithTheirReasons() throws IOException {
        Path root = Files.createDirectories(dir.resolve("folder/cat")).getParent();
        ImageIO.write(
                new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB),
                "png",
                root.resolve("cat/ok.png").toFile());
        Files.write(root.resolve("cat/bomb.png"), png(46_000, 46_000));
        Files.write(root.resolve("cat/broken.jpg"), new byte[] {1, 2, 3});
        ImageFolder folder = ImageFolder.scan(root, 16);
        assertThat(folder.size()).isEqualTo(1);
        assertThat(folder.problems().keySet())
                .containsExactly(root.resolve("cat/bomb.png"), root.resolve("cat/broken.jpg"));
        assertThat(folder.problems().get(root.resolve("cat/bomb.png"))).contains("more than the limit");
    }

    @Test
    void extremeAspectRatioIsRefusedBeforeTheResizeAllocates() throws IOException {
        Path f = dir.resolve("line.png");
        ImageIO.write(new BufferedImage(64_000, 1, BufferedImage.TYPE_INT_RGB), "png", f.toFile());
        BufferedImage img = ImageFiles.decode(f);
        assertThatThrownBy(() -> ImageFiles.toTensor(img, 224, 0.875, true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("64000×1");
        BufferedImage square = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
        assertThatThrownBy(() -> ImageFiles.toTensor(square, 224, 1e-6, true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("more than the limit");
    }

    /** A PNG whose header declares {@code w}×{@code h} RGB pixels, with one empty data chunk. */
    private static byte[] png(int w, int h) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        chunk(
                b,
                "IHDR",
                ByteBuffer.allocate(13)
                        .putInt(w)
                        .putInt(h)
                        .put(new byte[] {8, 2, 0, 0, 0})
                        .array());
        chunk(b, "IDAT", new byte[] {0x78, (byte) 0x9c, 3, 0, 0, 0, 0, 1});
        chunk(b, "IEND", new byte[0]);
        return b.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream b, String type, byte[] data) throws IOException {
        CRC32 crc = new CRC32();
        crc.update(type.getBytes(StandardCharsets.US_ASCII));
        crc.update(data);
        b.write(ByteBuffer.allocate(4).putInt(data.length).array());
        b.write(type.getBytes(StandardCharsets.US_ASCII));
        b.write(data);
        b.write(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    // ---- ONNX

    @Test
    void onnxModelWithAHugeFixedInputOrAScalarOutputIsRefusedNamingTheFile() throws IOException {
        OnnxGraph g = new OnnxGraph("huge", OnnxGraph.DEFAULT_OPSET, true);
        String x = g.input("input", 1, 3, 100_000, 100_000);
        g.output(g.add(OnnxOp.RELU, "relu", List.of(x)), "logits");
        Path f = dir.resolve("huge.onnx");
        Files.write(f, g.toBytes());
        assertThatThrownBy(() -> OnnxPredictor.open(f))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(f.toString())
                .hasMessageContaining("fixed H and W from 1 to 8192");
    }

    // ---- NaN policy and printing

    @Test
    void nonFiniteInputIsRefusedNamingTheFirstPosition() {
        float[] x = new float[2 * 3 * 2 * 2];
        x[17] = Float.POSITIVE_INFINITY;
        x[20] = Float.NaN;
        assertThatThrownBy(() -> Finite.require(x, new long[] {2, 3, 2, 2}, "x.npy"))
                .hasMessage("x.npy contains Infinity at [1, 1, 0, 1] (expected finite values; NaN and infinite"
                        + " inputs are refused)");
    }

    @Test
    void namesFromFilesArePrintedWithControlCharactersEscaped() {
        String hostile = "fc.weight\u001b[2K\rverified: all weights match\n";
        String text = new LoadReport(List.of(hostile), List.of(), List.of()).describe();
        assertThat(text).doesNotContain("\u001b").doesNotContain("\r");
        assertThat(text).contains("fc.weight\\e[2K\\rverified: all weights match\\n");
        assertThat(new WeightsFormatException(Path.of("a.pth"), "key '" + hostile + "'").getMessage())
                .doesNotContain("\u001b")
                .doesNotContain("\n");
    }
}
