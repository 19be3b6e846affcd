package dev.hybridvit.weights;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;

/**
 * The PyTorch zip format in detail: views with strides and offsets, the storage types, the
 * parameter wrapper, the {@code module.} prefix, our writer's layout (readable back bit-exactly,
 * aligned records, only allow-listed globals), and {@code .npz} / {@code .npy} variants.
 */
class PthFormatTest extends ManagedTest {
    private static byte[] le(int width, long... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * width).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            switch (width) {
                case 1 -> b.put((byte) v);
                case 2 -> b.putShort((short) v);
                case 4 -> b.putInt((int) v);
                default -> b.putLong(v);
            }
        }
        return b.array();
    }

    private static byte[] floats(float... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) b.putFloat(v);
        return b.array();
    }

    /** One {@code key: _rebuild_tensor_v2(storage, offset, shape, stride, False, OrderedDict())} item. */
    private static void tensor(
            PthWriter.Pickle p,
            String key,
            String storageType,
            String storageKey,
            long numel,
            long offset,
            long[] shape,
            long[] stride,
            boolean asParameter) {
        p.unicode(key);
        if (asParameter) p.global("torch._utils", "_rebuild_parameter").op('(');
        p.global("torch._utils", "_rebuild_tensor_v2").op('(');
        p.op('(')
                .unicode("storage")
                .global("torch", storageType)
                .unicode(storageKey)
                .unicode("cpu")
                .integer(numel)
                .op('t')
                .op('Q');
        p.integer(offset).tuple(shape).tuple(stride).op(0x89);
        p.global("collections", "OrderedDict").op(')').op('R');
        p.op('t').op('R');
        if (asParameter)
            p.op(0x88)
                    .global("collections", "OrderedDict")
                    .op(')')
                    .op('R')
                    .op('t')
                    .op('R');
    }

    @Test
    void viewsAndStorageTypesAreRebuiltExactly() throws Exception {
        PthWriter.Pickle p = new PthWriter.Pickle();
        p.proto(2).op('}').op('(');
        // a transposed window: storage 0..11, offset 1, shape (2,3), stride (1,4) → [[1,5,9],[2,6,10]]
        tensor(p, "module.view", "FloatStorage", "0", 12, 1, new long[] {2, 3}, new long[] {1, 4}, false);
        tensor(p, "module.shared", "FloatStorage", "0", 12, 10, new long[] {2}, new long[] {1}, true);
        tensor(p, "module.half", "HalfStorage", "1", 5, 0, new long[] {5}, new long[] {1}, false);
        tensor(p, "module.bf16", "BFloat16Storage", "2", 2, 0, new long[] {2}, new long[] {1}, false);
        tensor(p, "module.long", "LongStorage", "3", 2, 0, new long[] {2}, new long[] {1}, false);
        tensor(p, "module.int", "IntStorage", "4", 3, 1, new long[] {2}, new long[] {1}, false);
        tensor(p, "module.count", "LongStorage", "5", 1, 0, new long[] {}, new long[] {}, false);
        tensor(p, "module.double", "DoubleStorage", "6", 1, 0, new long[] {1, 1}, new long[] {1, 1}, false);
        tensor(p, "module.broadcast", "FloatStorage", "0", 12, 3, new long[] {2, 2}, new long[] {0, 1}, false);
        p.op('u').op('.');
        Map<String, byte[]> storages = new LinkedHashMap<>();
        storages.put("0", floats(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11));
        storages.put("1", le(2, 0x3C00, 0xC100, 0x7BFF, 0x0001, 0x0400));
        storages.put("2", le(2, 0x3F80, 0xC000));
        storages.put("3", le(8, 7, -3));
        storages.put("4", le(4, 99, -5, 6));
        storages.put("5", le(8, 42));
        ByteBuffer d = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putDouble(0.1);
        storages.put("6", d.array());
        Path f = TestFiles.pth(dir.resolve("views.pt"), p.bytes(), storages);

        Weights.Source s = Weights.read(f, manager, false);
        Map<String, NDArray> t = s.tensors();
        assertThat(s.notes()).contains("removed the 'module.' prefix from every key");
        assertThat(t.keySet())
                .containsExactly("view", "shared", "half", "bf16", "long", "int", "count", "double", "broadcast");
        assertThat(t.get("view").getShape()).isEqualTo(new Shape(2, 3));
        assertThat(t.get("view").toFloatArray()).containsExactly(1, 5, 9, 2, 6, 10);
        assertThat(t.get("shared").toFloatArray()).containsExactly(10, 11);
        assertThat(t.get("half").toFloatArray())
                .containsExactly(1f, -2.5f, 65504f, (float) Math.pow(2, -24), (float) Math.pow(2, -14));
        assertThat(t.get("bf16").toFloatArray()).containsExactly(1f, -2f);
        assertThat(t.get("long").getDataType()).isEqualTo(DataType.INT64);
        assertThat(t.get("long").toLongArray()).containsExactly(7, -3);
        assertThat(t.get("int").toLongArray()).containsExactly(-5, 6);
        assertThat(t.get("count").getShape()).isEqualTo(new Shape());
        assertThat(t.get("count").toLongArray()).containsExactly(42);
        assertThat(t.get("double").toFloatArray()).containsExactly(0.1f);
        assertThat(t.get("broadcast").toFloatArray()).containsExactly(3, 4, 3, 4);
        t.values().forEach(NDArray::close);
    }

    @Test
    void viewReachingPastItsStorageIsRefused() throws Exception {
        PthWriter.Pickle p = new PthWriter.Pickle();
        p.proto(2).op('}').op('(');
        tensor(p, "w", "FloatStorage", "0", 4, 2, new long[] {3}, new long[] {1}, false);
        p.op('u').op('.');
        Path f = TestFiles.pth(dir.resolve("over.pth"), p.bytes(), Map.of("0", floats(0, 1, 2, 3)));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Weights.read(f, manager))
                .isInstanceOf(WeightsFormatException.class)
                .hasMessageContaining("over.pth")
                .hasMessageContaining("tensor 'w'")
                .hasMessageContaining("reaches element 4 of storage 0, which has only 4");
    }

    @Test
    void writtenPthReadsBackBitExactlyAndUsesOnlyAllowListedGlobals() throws Exception {
        LinkedHashMap<String, NDArray> sd = new LinkedHashMap<>();
        sd.put(
                "a.weight",
                manager.create(new float[] {Float.NaN, -0f, Float.MIN_VALUE, 1e30f, -1e-30f, 3}, new Shape(2, 3)));
        sd.put("a.num_batches_tracked", manager.create(123456789012L));
        sd.put("b", manager.create(new long[] {Long.MIN_VALUE, Long.MAX_VALUE}, new Shape(2)));
        sd.put("empty", manager.create(new float[0], new Shape(0, 4)));
        Path f = dir.resolve("out.pth");
        PthWriter.write(f, sd);
        LinkedHashMap<String, byte[]> want = TestFiles.bytes(sd);
        Map<String, NDArray> back = Weights.read(f, manager);
        assertThat(TestFiles.firstDifference(back, want, sd)).isNull();

        try (ZipFile zip = new ZipFile(f.toFile())) {
            List<String> names = zip.stream().map(ZipEntry::getName).toList();
            assertThat(names)
                    .containsExactly(
                            "archive/data.pkl",
                            "archive/byteorder",
                            "archive/data/0",
                            "archive/data/1",
                            "archive/data/2",
                            "archive/data/3",
                            "archive/version");
            String pickle = new String(
                    zip.getInputStream(zip.getEntry("archive/data.pkl")).readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(pickle).startsWith("\u0080\u0002");
            // every GLOBAL opcode ('c' module \n name \n) names an allow-listed global
            java.util.regex.Matcher m =
                    java.util.regex.Pattern.compile("c([a-z_.]+)\n(\\w+)\n").matcher(pickle);
            java.util.Set<String> globals = new java.util.TreeSet<>();
            while (m.find()) globals.add(m.group(1) + "." + m.group(2));
            assertThat(globals)
                    .containsExactly(
                            "collections.OrderedDict",
                            "torch.FloatStorage",
                            "torch.LongStorage",
                            "torch._utils._rebuild_tensor_v2");
            assertThat(new String(
                            zip.getInputStream(zip.getEntry("archive/version")).readAllBytes()))
                    .isEqualTo("3\n");
        }
        // storage records start on 64-byte boundaries, as torch.save aligns them
        byte[] file = Files.readAllBytes(f);
        for (int i = 0; i < 4; i++) {
            int at = indexOf(file, ("archive/data/" + i).getBytes(StandardCharsets.US_ASCII));
            // local header: ... name length (2 bytes), extra length (2 bytes), then the name at offset 30
            int nameLen = (file[at - 4] & 0xff) | (file[at - 3] & 0xff) << 8;
            int extraLen = (file[at - 2] & 0xff) | (file[at - 1] & 0xff) << 8;
            assertThat((at + nameLen + extraLen) % 64)
                    .as("data offset of record " + i)
                    .isZero();
        }
        back.values().forEach(NDArray::close);
        sd.values().forEach(NDArray::close);
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return i;
        }
        return -1;
    }

    @Test
    void nestedUnderModelIsFound() throws Exception {
        LinkedHashMap<String, NDArray> sd = new LinkedHashMap<>();
        sd.put("x", manager.create(new float[] {1, 2}));
        Path f = dir.resolve("nested.bin");
        PthWriter.write(f, sd, "model");
        Weights.Source s = Weights.read(f, manager, false);
        assertThat(s.location()).isEqualTo("model");
        assertThat(s.tensors().get("x").toFloatArray()).containsExactly(1, 2);
        // asking for EMA weights that are not there falls back, with a note
        Weights.Source e = Weights.read(f, manager, true);
        assertThat(e.location()).isEqualTo("model");
        assertThat(e.notes()).anySatisfy(n -> assertThat(n).contains("no EMA weights"));
    }

    @Test
    void npzOfAnyDtypeAndOrder() throws Exception {
        // float64 in Fortran order: the 2x3 array [[0,1,2],[3,4,5]] stored column by column
        ByteArrayOutputStream npy = new ByteArrayOutputStream();
        String header = "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }";
        header = header + " ".repeat(63 - (10 + header.length()) % 64) + "\n";
        npy.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) header.length(), 0});
        npy.writeBytes(header.getBytes(StandardCharsets.ISO_8859_1));
        ByteBuffer b = ByteBuffer.allocate(48).order(ByteOrder.LITTLE_ENDIAN);
        for (double v : new double[] {0, 3, 1, 4, 2, 5}) b.putDouble(v);
        npy.writeBytes(b.array());
        Path f = dir.resolve("w.npz");
        try (var zip = new java.util.zip.ZipOutputStream(Files.newOutputStream(f))) {
            zip.putNextEntry(new ZipEntry("fortran.npy"));
            zip.write(npy.toByteArray());
            zip.closeEntry();
        }
        Map<String, NDArray> t = Weights.read(f, manager);
        assertThat(t.get("fortran").getShape()).isEqualTo(new Shape(2, 3));
        assertThat(t.get("fortran").toFloatArray()).containsExactly(0, 1, 2, 3, 4, 5);

        LinkedHashMap<String, NDArray> sd = new LinkedHashMap<>();
        sd.put("w", manager.create(new float[] {1.5f, -2}, new Shape(1, 2)));
        sd.put("n", manager.create(7L));
        Path g = dir.resolve("ours.npz");
        Npz.write(g, sd);
        Map<String, NDArray> back = Weights.read(g, manager);
        assertThat(TestFiles.firstDifference(back, TestFiles.bytes(sd), sd)).isNull();
    }
}
