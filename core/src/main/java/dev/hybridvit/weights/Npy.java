package dev.hybridvit.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NumPy {@code .npy} (format 1.0–3.0). {@link #read(Path)} is the strict float32 reader used for
 * model inputs; {@link #read(InputStream, NDManager, Path, String)} reads any numeric array (the
 * members of an {@code .npz} weights archive): float16/32/64 become float32, integers and booleans
 * int64, either byte order, C or Fortran order.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private Npy() {}

    /** A float32 array and its shape. */
    public record Array(long[] shape, float[] data) {}

    private record Header(String descr, boolean fortran, long[] shape, long numel) {}

    public static Array read(Path file) throws IOException {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            Header h = header(in, file, "");
            if (!h.descr.equals("<f4") && !h.descr.equals("=f4")) {
                throw new WeightsFormatException(
                        file,
                        "dtype is " + h.descr + "; expected little-endian float32 ('<f4'). "
                                + "Save with x.astype(np.float32)");
            }
            if (h.fortran)
                throw new WeightsFormatException(file, "array is in Fortran order; save a C-contiguous array");
            long n = h.numel();
            int size = InputBounds.arrayBytes(file, "array " + Arrays.toString(h.shape), n, 4);
            byte[] bytes = InputBounds.readExactly(
                    in, file, "the array data of shape " + Arrays.toString(h.shape), size, false);
            float[] data = new float[(int) n];
            ByteBuffer.wrap(bytes)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .asFloatBuffer()
                    .get(data);
            return new Array(h.shape, data);
        }
    }

    /**
     * Reads one array of any numeric dtype into {@code manager}: floats as float32, integers and
     * booleans as int64. {@code file} and {@code what} (e.g. the .npz member) name it in errors.
     */
    public static NDArray read(InputStream raw, NDManager manager, Path file, String what) throws IOException {
        DataInputStream in = new DataInputStream(raw);
        Header h = header(in, file, what);
        String d = h.descr;
        if (d.length() < 3) throw new WeightsFormatException(file, what + "unsupported dtype '" + d + "'");
        char order = d.charAt(0);
        String code = d.substring(1);
        ByteOrder bo = order == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        if (order != '<' && order != '>' && order != '|' && order != '=') {
            throw new WeightsFormatException(file, what + "unsupported dtype '" + d + "'");
        }
        int width = switch (code) {
            case "f2", "i2", "u2" -> 2;
            case "f4", "i4", "u4" -> 4;
            case "f8", "i8", "u8" -> 8;
            case "i1", "u1", "b1" -> 1;
            default ->
                throw new WeightsFormatException(
                        file,
                        what + "unsupported dtype '" + d
                                + "' (supported: float16/32/64, signed and unsigned integers, bool)");
        };
        long n = h.numel();
        InputBounds.arrayBytes(file, what + "array " + Arrays.toString(h.shape), n, code.charAt(0) == 'f' ? 4 : 8);
        int size = InputBounds.arrayBytes(file, what + "array " + Arrays.toString(h.shape), n, width);
        byte[] bytes = InputBounds.readExactly(
                in, file, what + "the array data of shape " + Arrays.toString(h.shape), size, false);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(bo);
        // Fortran order is C order of the reversed shape; transpose back afterwards
        long[] shape = h.shape.clone();
        if (h.fortran) reverse(shape);
        NDArray out;
        if (code.charAt(0) == 'f') {
            float[] f = new float[(int) n];
            for (int i = 0; i < f.length; i++) {
                f[i] = switch (width) {
                    case 2 -> HalfFloats.halfToFloat(b.getShort());
                    case 4 -> b.getFloat();
                    default -> (float) b.getDouble();
                };
            }
            out = manager.create(f, new Shape(shape));
        } else {
            boolean unsigned = code.charAt(0) != 'i';
            long[] l = new long[(int) n];
            for (int i = 0; i < l.length; i++) {
                l[i] = switch (width) {
                    case 1 -> unsigned ? b.get() & 0xff : b.get();
                    case 2 -> unsigned ? b.getShort() & 0xffff : b.getShort();
                    case 4 -> unsigned ? b.getInt() & 0xffffffffL : b.getInt();
                    default -> b.getLong();
                };
            }
            out = manager.create(l, new Shape(shape));
        }
        if (h.fortran && shape.length > 1) {
            int[] axes = new int[shape.length];
            for (int i = 0; i < axes.length; i++) axes[i] = axes.length - 1 - i;
            NDArray t = out.transpose(axes);
            NDArray c = t.duplicate(); // materialise C order
            out.close();
            t.close();
            out = c;
        }
        return out;
    }

    private static void reverse(long[] a) {
        for (int i = 0, j = a.length - 1; i < j; i++, j--) {
            long t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    private static Header header(DataInputStream in, Path file, String what) throws IOException {
        byte[] magic = in.readNBytes(6);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new WeightsFormatException(file, what + "not a .npy file (missing the \\x93NUMPY magic)");
        }
        try {
            int major = in.readUnsignedByte();
            in.readUnsignedByte();
            long headerLen = major == 1
                    ? Short.toUnsignedInt(Short.reverseBytes(in.readShort()))
                    : Integer.toUnsignedLong(Integer.reverseBytes(in.readInt()));
            if (headerLen > 1 << 20)
                throw new WeightsFormatException(file, what + ".npy header of " + headerLen + " bytes: corrupt");
            byte[] hb = in.readNBytes((int) headerLen);
            if (hb.length != headerLen) throw new EOFException();
            String header = new String(hb, major >= 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
            String descr = find(DESCR, header, file, what, "descr");
            boolean fortran = find(FORTRAN, header, file, what, "fortran_order").equals("True");
            String dims = find(SHAPE, header, file, what, "shape").trim();
            long[] shape;
            try {
                shape = dims.isEmpty()
                        ? new long[0]
                        : Arrays.stream(dims.split(","))
                                .map(String::trim)
                                .filter(s -> !s.isEmpty())
                                .mapToLong(Long::parseLong)
                                .toArray();
            } catch (NumberFormatException e) {
                throw new WeightsFormatException(file, what + ".npy shape (" + dims + ") is not a tuple of integers");
            }
            return new Header(descr, fortran, shape, InputBounds.numel(file, what + "array", shape));
        } catch (EOFException e) {
            throw new WeightsFormatException(file, what + ".npy header is truncated");
        }
    }

    /** Writes a C-order little-endian float32 array atomically. */
    public static void write(Path file, long[] shape, float[] data) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(data);
        AtomicFiles.write(file, out -> write(out, "<f4", shape, b.array()));
    }

    /** Writes {@code a} (float32 as {@code <f4}, int64 as {@code <i8}) as one .npy stream. */
    public static void write(OutputStream out, NDArray a) throws IOException {
        String descr = switch (a.getDataType()) {
            case FLOAT32 -> "<f4";
            case INT64 -> "<i8";
            default -> throw new IllegalArgumentException("cannot write a " + a.getDataType() + " array to .npy");
        };
        ByteBuffer b = a.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        byte[] data = new byte[b.remaining()];
        b.get(data);
        write(out, descr, a.getShape().getShape(), data);
    }

    private static void write(OutputStream out, String descr, long[] shape, byte[] data) throws IOException {
        StringBuilder dims = new StringBuilder();
        for (long d : shape) dims.append(d).append(", ");
        String shapeText = shape.length == 1
                ? "(" + shape[0] + ",)"
                : "(" + (shape.length == 0 ? "" : dims.substring(0, dims.length() - 2)) + ")";
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shapeText + ", }";
        int total = 10 + dict.length() + 1;
        int pad = (64 - total % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        out.write(MAGIC);
        out.write(new byte[] {1, 0});
        int len = header.length();
        out.write(new byte[] {(byte) (len & 0xff), (byte) (len >>> 8)});
        out.write(header.getBytes(StandardCharsets.ISO_8859_1));
        out.write(data);
    }

    private static String find(Pattern p, String header, Path file, String what, String key) {
        Matcher m = p.matcher(header);
        if (!m.find())
            throw new WeightsFormatException(file, what + ".npy header has no '" + key + "' entry: " + header.trim());
        return m.group(1);
    }
}
