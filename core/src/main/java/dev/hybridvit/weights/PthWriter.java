package dev.hybridvit.weights;

import ai.djl.ndarray.NDArray;
import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes a state dict as a {@code torch.save}-style zip that {@code torch.load} reads (also with
 * {@code weights_only=True}): {@code archive/data.pkl} is a protocol-2 pickle that uses only
 * {@code collections.OrderedDict}, {@code torch._utils._rebuild_tensor_v2} and the
 * {@code torch.FloatStorage}/{@code LongStorage}/{@code HalfStorage} types; every tensor gets its
 * own contiguous storage {@code archive/data/<n>} (stored, 64-byte aligned as PyTorch aligns them);
 * {@code archive/version} is 3. The pickle is written here opcode by opcode.
 *
 * <p>Checked by reading files back with {@link TorchCheckpoint}; no PyTorch was available on the
 * build machine, so real {@code torch.load} has not been run on the output.
 */
public final class PthWriter {
    private static final String ARCHIVE = "archive/";
    private static final LocalDateTime ENTRY_TIME = LocalDateTime.of(2020, 1, 1, 0, 0);

    private PthWriter() {}

    /** Writes {@code tensors} as a bare state dict (an OrderedDict at the top), atomically. */
    public static void write(Path file, Map<String, NDArray> tensors) throws IOException {
        write(file, tensors, null);
    }

    /**
     * Writes {@code tensors}; with {@code nestUnder} non-null the file holds {@code {nestUnder: state_dict}}
     * (the official training scripts read {@code checkpoint['model']}).
     */
    public static void write(Path file, Map<String, NDArray> tensors, String nestUnder) throws IOException {
        List<Map.Entry<String, NDArray>> entries = List.copyOf(tensors.entrySet());
        for (Map.Entry<String, NDArray> e : entries)
            TorchDType.forWriting(e.getValue().getDataType());
        byte[] pickle = pickle(entries, nestUnder);
        AtomicFiles.write(file, raw -> {
            CountingOutputStream counted = new CountingOutputStream(raw);
            ZipOutputStream zip = new ZipOutputStream(counted);
            zip.setMethod(ZipOutputStream.STORED);
            putStored(zip, counted, ARCHIVE + "data.pkl", pickle);
            putStored(zip, counted, ARCHIVE + "byteorder", "little".getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < entries.size(); i++) {
                putStored(
                        zip,
                        counted,
                        ARCHIVE + "data/" + i,
                        bytes(entries.get(i).getValue()));
            }
            putStored(zip, counted, ARCHIVE + "version", "3\n".getBytes(StandardCharsets.US_ASCII));
            zip.finish();
        });
    }

    private static byte[] bytes(NDArray a) {
        ByteBuffer b = a.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    /** A stored (uncompressed) record whose data starts on a 64-byte boundary of the file. */
    private static void putStored(ZipOutputStream zip, CountingOutputStream counted, String name, byte[] data)
            throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        e.setCompressedSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        e.setTimeLocal(ENTRY_TIME);
        zip.flush();
        // local header = 30 bytes + name + extra; pad the extra field ("FB" block, as PyTorch does)
        long headerEnd = counted.count + 30 + name.getBytes(StandardCharsets.UTF_8).length + 4;
        int pad = (int) ((64 - headerEnd % 64) % 64);
        byte[] extra = new byte[4 + pad];
        extra[0] = 'F';
        extra[1] = 'B';
        extra[2] = (byte) pad;
        extra[3] = (byte) (pad >>> 8);
        e.setExtra(extra);
        zip.putNextEntry(e);
        zip.write(data);
        zip.closeEntry();
    }

    /** The protocol-2 pickle of the (optionally nested) OrderedDict; tensor i uses storage key "i". */
    static byte[] pickle(List<Map.Entry<String, NDArray>> entries, String nestUnder) {
        Pickle p = new Pickle();
        p.proto(2);
        if (nestUnder != null) {
            p.op('}');
            p.unicode(nestUnder);
        }
        p.global("collections", "OrderedDict");
        p.op(')').op('R');
        for (int start = 0; start < entries.size(); start += 1000) { // batches of 1000, as Python's pickler does
            p.op('(');
            for (int i = start; i < Math.min(entries.size(), start + 1000); i++) {
                NDArray a = entries.get(i).getValue();
                long[] shape = a.getShape().getShape();
                p.unicode(entries.get(i).getKey());
                p.global("torch._utils", "_rebuild_tensor_v2");
                p.op('(');
                p.op('(')
                        .unicode("storage")
                        .global("torch", TorchDType.forWriting(a.getDataType()).pythonName)
                        .unicode(Integer.toString(i))
                        .unicode("cpu")
                        .integer(a.getShape().size())
                        .op('t');
                p.op('Q'); // BINPERSID
                p.integer(0); // storage offset
                p.tuple(shape);
                p.tuple(rowMajorStrides(shape));
                p.op(0x89); // requires_grad = False
                p.global("collections", "OrderedDict").op(')').op('R'); // backward hooks
                p.op('t').op('R');
            }
            p.op('u');
        }
        if (nestUnder != null) p.op('s');
        p.op('.');
        return p.bytes();
    }

    static long[] rowMajorStrides(long[] shape) {
        long[] s = new long[shape.length];
        long acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= Math.max(1, shape[i]);
        }
        return s;
    }

    /** A minimal protocol-2 pickle emitter; globals are memoised so each is spelled out once. */
    static final class Pickle {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final Map<String, Integer> memo = new HashMap<>();

        Pickle op(int code) {
            out.write(code);
            return this;
        }

        Pickle proto(int v) {
            return op(0x80).op(v);
        }

        Pickle global(String module, String name) {
            String key = module + "\n" + name + "\n";
            Integer slot = memo.get(key);
            if (slot != null) return get(slot);
            op('c');
            out.writeBytes(key.getBytes(StandardCharsets.US_ASCII));
            return put(key);
        }

        private Pickle put(String key) {
            int slot = memo.size();
            memo.put(key, slot);
            if (slot < 256) return op('q').op(slot);
            op('r');
            return le(slot, 4);
        }

        private Pickle get(int slot) {
            if (slot < 256) return op('h').op(slot);
            op('j');
            return le(slot, 4);
        }

        Pickle unicode(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            op('X');
            le(b.length, 4);
            out.writeBytes(b);
            return this;
        }

        Pickle integer(long v) {
            if (v >= 0 && v < 256) return op('K').op((int) v);
            if (v >= 0 && v < 65536) return op('M').le(v, 2);
            if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) return op('J').le(v, 4);
            return op(0x8a).op(8).le(v, 8); // LONG1: 8-byte two's complement
        }

        Pickle tuple(long[] values) {
            if (values.length == 0) return op(')');
            if (values.length <= 3) {
                for (long v : values) integer(v);
                return op(0x84 + values.length); // TUPLE1..3 = 0x85..0x87
            }
            op('(');
            for (long v : values) integer(v);
            return op('t');
        }

        private Pickle le(long v, int n) {
            for (int i = 0; i < n; i++) out.write((int) (v >>> (8 * i)) & 0xff);
            return this;
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }

    /** Counts bytes written, to place each zip record's data on an aligned offset. */
    private static final class CountingOutputStream extends FilterOutputStream {
        long count;

        CountingOutputStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }
}
