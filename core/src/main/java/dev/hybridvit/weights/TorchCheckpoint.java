package dev.hybridvit.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * A PyTorch checkpoint in the {@code torch.save} zip format (PyTorch ≥ 1.6): {@code <archive>/data.pkl}
 * holds the object tree as a pickle, {@code <archive>/data/<key>} the raw little-endian storages.
 * The pickle is read by {@link SafeUnpickler} (an allow-list of globals; nothing is executed);
 * tensors stay descriptions ({@link PickledTensor}) until {@link #tensor} reads them, honouring
 * shape, stride and storage offset.
 *
 * <p>The object tree uses plain Java types: {@code Map} (dicts, OrderedDicts; insertion-ordered),
 * {@code List}, {@code Object[]} (tuples), {@code String}, {@code Integer}/{@code Long},
 * {@code Double}, {@code Boolean}, {@code null}, {@link PickledTensor} and {@link PickledObject}.
 */
public final class TorchCheckpoint implements AutoCloseable {
    /** data.pkl larger than this is refused (real checkpoints hold a few MB of pickle at most). */
    private static final int MAX_PICKLE_BYTES = 64 << 20;

    private final Path file;
    private final ZipFile zip;
    private final String prefix;
    private final Object root;
    /** Storage bytes kept while more than one tensor still needs them. */
    private final Map<String, byte[]> storageCache = new HashMap<>();

    private final Map<String, Integer> storageUses = new HashMap<>();

    private TorchCheckpoint(Path file, ZipFile zip, String prefix, Object root) {
        this.file = file;
        this.zip = zip;
        this.prefix = prefix;
        this.root = root;
    }

    /** Opens {@code file} and reads its pickle; storages are read on demand. Close it when done. */
    public static TorchCheckpoint open(Path file) throws IOException {
        ZipFile zip = openZip(file);
        try {
            ZipEntry pkl = findPickle(file, zip);
            String prefix = pkl.getName().substring(0, pkl.getName().length() - "data.pkl".length());
            if (pkl.getSize() > MAX_PICKLE_BYTES) {
                throw new WeightsFormatException(
                        file,
                        pkl.getName() + " is " + pkl.getSize() + " bytes, too large for a checkpoint pickle (limit "
                                + MAX_PICKLE_BYTES + ")");
            }
            byte[] data = readEntry(file, zip, pkl, MAX_PICKLE_BYTES, false);
            Object root = SafeUnpickler.load(file, pkl.getName(), data);
            return new TorchCheckpoint(file, zip, prefix, root);
        } catch (RuntimeException e) {
            zip.close();
            throw e;
        }
    }

    /** Opens a zip archive, refusing one that holds two entries of the same name (which one would be read?). */
    static ZipFile openZip(Path file) throws IOException {
        ZipFile zip;
        try {
            zip = new ZipFile(file.toFile());
        } catch (java.nio.file.FileSystemException | java.io.FileNotFoundException e) {
            throw e;
        } catch (IOException e) { // ZipException, or EOFException for a damaged end record
            String kind = FileKinds.describe(file);
            if (kind.startsWith("a ZIP archive")) {
                throw new WeightsFormatException(
                        file,
                        "the ZIP archive is truncated or corrupt (" + e.getMessage() + "): re-download or re-save it",
                        e);
            }
            throw new WeightsFormatException(
                    file, "not a PyTorch checkpoint (torch.save zip format): the file is " + kind, e);
        }
        Set<String> names = new HashSet<>();
        for (Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements(); ) {
            String name = en.nextElement().getName();
            if (!names.add(name)) {
                zip.close();
                throw new WeightsFormatException(
                        file, "the ZIP archive holds two entries named '" + name + "' (expected one per name)");
            }
        }
        return zip;
    }

    private static ZipEntry findPickle(Path file, ZipFile zip) {
        ZipEntry best = null;
        boolean torchScript = false, npy = false;
        for (Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements(); ) {
            ZipEntry e = en.nextElement();
            String n = e.getName();
            if ((n.endsWith("/data.pkl") || n.equals("data.pkl"))
                    && (best == null
                            || n.chars().filter(c -> c == '/').count()
                                    < best.getName()
                                            .chars()
                                            .filter(c -> c == '/')
                                            .count())) {
                best = e;
            }
            if (n.endsWith("/constants.pkl") || n.contains("/code/")) torchScript = true;
            if (n.endsWith(".npy")) npy = true;
        }
        if (best == null) {
            String what = npy
                    ? "a NumPy .npz archive (read it with the .npz extension)"
                    : torchScript
                            ? "a TorchScript archive without data.pkl"
                            : "a ZIP archive without a data.pkl record";
            throw new WeightsFormatException(file, "not a PyTorch checkpoint: the file is " + what);
        }
        return best;
    }

    /**
     * The bytes of {@code entry}, counted while they inflate (never trusting the size its header
     * claims): all of it up to {@code max}, or, for a storage ({@code storage}), its first {@code max}.
     */
    private static byte[] readEntry(Path file, ZipFile zip, ZipEntry entry, int max, boolean storage) {
        String what = "record " + entry.getName();
        try (InputStream in = zip.getInputStream(entry)) {
            return storage
                    ? InputBounds.readExactly(in, file, what, max, false)
                    : InputBounds.readAtMost(in, file, what, max);
        } catch (WeightsFormatException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new WeightsFormatException(
                    file,
                    "record " + entry.getName() + " cannot be read (" + e.getMessage() + "): the archive is corrupt",
                    e);
        }
    }

    public Path file() {
        return file;
    }

    /** The unpickled object (usually a dict). */
    public Object root() {
        return root;
    }

    /** The archive's top folder name ({@code archive} for files written by recent PyTorch). */
    public String archiveName() {
        return prefix.isEmpty() ? "" : prefix.substring(0, prefix.length() - 1);
    }

    /** Every tensor-valued entry of {@code dict} as an array in {@code manager}, in the dict's order. */
    public LinkedHashMap<String, NDArray> tensors(Map<?, ?> dict, NDManager manager) {
        List<PickledTensor> refs = new ArrayList<>();
        dict.values().forEach(v -> {
            if (v instanceof PickledTensor t) refs.add(t);
        });
        refs.forEach(t -> storageUses.merge(t.storage().key(), 1, Integer::sum));
        LinkedHashMap<String, NDArray> out = new LinkedHashMap<>();
        try {
            for (Map.Entry<?, ?> e : dict.entrySet()) {
                if (e.getValue() instanceof PickledTensor t)
                    out.put(String.valueOf(e.getKey()), tensor(t, String.valueOf(e.getKey()), manager));
            }
        } catch (RuntimeException e) {
            out.values().forEach(NDArray::close);
            throw e;
        } finally {
            storageUses.clear();
            storageCache.clear();
        }
        return out;
    }

    /** Reads one tensor (float types → float32, integer types → int64); {@code name} is for messages. */
    public NDArray tensor(PickledTensor t, String name, NDManager manager) {
        PickledTensor.StorageRef s = t.storage();
        TorchDType type = s.type();
        String what = "tensor '" + name + "'";
        long numel = InputBounds.numel(file, what, t.shape());
        if (numel > s.numel()) {
            throw new WeightsFormatException(
                    file,
                    what + " (shape " + Arrays.toString(t.shape()) + ") has " + numel + " elements but its storage "
                            + s.key() + " only " + s.numel() + " (expanded views are not accepted in a checkpoint)");
        }
        int bytes = InputBounds.arrayBytes(file, what, numel, type.width);
        long last = numel == 0 ? 0 : lastElement(t);
        if (t.offset() < 0 || (numel > 0 && last >= s.numel())) {
            throw new WeightsFormatException(
                    file,
                    what + " (shape " + Arrays.toString(t.shape()) + ", stride " + Arrays.toString(t.stride())
                            + ", offset " + t.offset() + ") reaches "
                            + (last == Long.MAX_VALUE ? "beyond element 2^63" : "element " + last) + " of storage "
                            + s.key() + ", which has only " + s.numel());
        }
        byte[] storage = numel == 0 ? new byte[0] : storageBytes(s, name);
        ByteBuffer buf = ByteBuffer.allocateDirect(bytes).order(ByteOrder.LITTLE_ENDIAN);
        gather(t, storage, buf);
        buf.flip();
        Shape shape = new Shape(t.shape());
        switch (type) {
            case FLOAT:
                return manager.create(buf, shape, DataType.FLOAT32);
            case LONG:
                return manager.create(buf, shape, DataType.INT64);
            default:
                break;
        }
        if (type.readAs == DataType.FLOAT32) {
            float[] f = new float[(int) numel];
            for (int i = 0; i < f.length; i++) {
                f[i] = switch (type) {
                    case DOUBLE -> (float) buf.getDouble();
                    case HALF -> HalfFloats.halfToFloat(buf.getShort());
                    case BFLOAT16 -> Float.intBitsToFloat((buf.getShort() & 0xffff) << 16);
                    default -> throw new IllegalStateException(type.name());
                };
            }
            return manager.create(f, shape);
        }
        long[] l = new long[(int) numel];
        for (int i = 0; i < l.length; i++) {
            l[i] = switch (type) {
                case INT -> buf.getInt();
                case SHORT -> buf.getShort();
                case CHAR -> buf.get();
                case BYTE, BOOL -> buf.get() & 0xff;
                default -> throw new IllegalStateException(type.name());
            };
        }
        return manager.create(l, shape);
    }

    /** The storage index of the view's last element, {@code Long.MAX_VALUE} if that overflows. */
    private static long lastElement(PickledTensor t) {
        try {
            long last = t.offset();
            for (int i = 0; i < t.shape().length; i++) {
                if (t.stride()[i] < 0) return Long.MAX_VALUE;
                last = Math.addExact(last, Math.multiplyExact(t.shape()[i] - 1, t.stride()[i]));
            }
            return last;
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    /** Copies the view's elements in row-major order into {@code out}. */
    private static void gather(PickledTensor t, byte[] storage, ByteBuffer out) {
        int w = t.type().width;
        long numel = t.numel();
        if (numel == 0) return;
        if (t.isContiguous()) {
            out.put(storage, (int) (t.offset() * w), (int) (numel * w));
            return;
        }
        long[] shape = t.shape(), stride = t.stride();
        int nd = shape.length;
        long[] idx = new long[nd];
        long src = t.offset();
        for (long n = 0; n < numel; n++) {
            out.put(storage, (int) (src * w), w);
            for (int d = nd - 1; d >= 0; d--) {
                if (++idx[d] < shape[d]) {
                    src += stride[d];
                    break;
                }
                src -= (shape[d] - 1) * stride[d];
                idx[d] = 0;
            }
        }
    }

    private byte[] storageBytes(PickledTensor.StorageRef s, String tensorName) {
        byte[] cached = storageCache.get(s.key());
        if (cached == null) {
            String entryName = prefix + "data/" + s.key();
            ZipEntry entry = zip.getEntry(entryName);
            if (entry == null) {
                throw new WeightsFormatException(
                        file,
                        "tensor '" + tensorName + "' needs storage record " + entryName
                                + ", which the archive does not contain");
            }
            int need = InputBounds.arrayBytes(file, "storage record " + entryName, s.numel(), s.type().width);
            if (entry.getSize() >= 0 && entry.getSize() < need) {
                throw new WeightsFormatException(
                        file,
                        "storage record " + entryName + " of tensor '" + tensorName + "' has " + entry.getSize()
                                + " bytes, but " + s.numel() + " " + s.type().pythonName + " elements need " + need);
            }
            cached = readEntry(file, zip, entry, need, true);
        }
        int left = storageUses.getOrDefault(s.key(), 1) - 1;
        if (left > 0) {
            storageUses.put(s.key(), left);
            storageCache.put(s.key(), cached);
        } else {
            storageUses.remove(s.key());
            storageCache.remove(s.key());
        }
        return cached;
    }

    @Override
    public void close() throws IOException {
        zip.close();
    }
}
