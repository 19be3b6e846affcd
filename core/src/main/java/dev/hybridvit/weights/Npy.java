package dev.hybridvit.weights;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** NumPy {@code .npy} (format 1.0–3.0) for little-endian float32 arrays in C order. */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private Npy() {}

    /** A float32 array and its shape. */
    public record Array(long[] shape, float[] data) {}

    public static Array read(Path file) throws IOException {
        try (InputStream raw = Files.newInputStream(file); DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(raw))) {
            byte[] magic = new byte[6];
            if (in.read(magic) != 6 || !java.util.Arrays.equals(magic, MAGIC)) {
                throw new WeightsFormatException(file, "not a .npy file (missing the \\x93NUMPY magic)");
            }
            int major = in.readUnsignedByte();
            in.readUnsignedByte();
            int headerLen;
            if (major == 1) {
                headerLen = Short.toUnsignedInt(Short.reverseBytes(in.readShort()));
            } else {
                headerLen = Integer.reverseBytes(in.readInt());
            }
            byte[] hb = in.readNBytes(headerLen);
            String header = new String(hb, StandardCharsets.ISO_8859_1);
            String descr = find(DESCR, header, file, "descr");
            if (!descr.equals("<f4") && !descr.equals("=f4")) {
                throw new WeightsFormatException(file, "dtype is " + descr + "; expected little-endian float32 ('<f4'). "
                        + "Save with x.astype(np.float32)");
            }
            if (find(FORTRAN, header, file, "fortran_order").equals("True")) {
                throw new WeightsFormatException(file, "array is in Fortran order; save a C-contiguous array");
            }
            String dims = find(SHAPE, header, file, "shape").trim();
            long[] shape = dims.isEmpty() ? new long[0]
                    : java.util.Arrays.stream(dims.split(",")).map(String::trim).filter(s -> !s.isEmpty()).mapToLong(Long::parseLong).toArray();
            long n = 1;
            for (long d : shape) n *= d;
            byte[] bytes = in.readNBytes(Math.toIntExact(n * 4));
            if (bytes.length != n * 4) {
                throw new WeightsFormatException(file, "truncated: shape " + java.util.Arrays.toString(shape) + " needs "
                        + n * 4 + " data bytes, found " + bytes.length);
            }
            float[] data = new float[(int) n];
            ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(data);
            return new Array(shape, data);
        }
    }

    /** Writes a C-order little-endian float32 array atomically. */
    public static void write(Path file, long[] shape, float[] data) throws IOException {
        StringBuilder dims = new StringBuilder();
        for (long d : shape) dims.append(d).append(", ");
        String shapeText = shape.length == 1 ? "(" + shape[0] + ",)" : "(" + (shape.length == 0 ? "" : dims.substring(0, dims.length() - 2)) + ")";
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shapeText + ", }";
        int total = 10 + dict.length() + 1;
        int pad = (64 - total % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        AtomicFiles.write(file, out -> {
            out.write(MAGIC);
            out.write(new byte[] {1, 0});
            int len = header.length();
            out.write(new byte[] {(byte) (len & 0xff), (byte) (len >>> 8)});
            out.write(header.getBytes(StandardCharsets.ISO_8859_1));
            ByteBuffer b = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(data);
            out.write(b.array());
        });
    }

    private static String find(Pattern p, String header, Path file, String what) {
        Matcher m = p.matcher(header);
        if (!m.find()) throw new WeightsFormatException(file, ".npy header has no '" + what + "' entry: " + header.trim());
        return m.group(1);
    }
}
