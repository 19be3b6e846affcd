package dev.hybridvit.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The safetensors format (Hugging Face): an 8-byte little-endian header length, a JSON header
 * mapping each name to {dtype, shape, data_offsets}, then the raw little-endian tensor bytes.
 * F32, F16, BF16 and I64 are read (half types widen to float32); writing keeps each array's type.
 */
public final class SafeTensors {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SafeTensors() {}

    /** Reads every tensor into {@code manager}, in the file's header order. */
    public static LinkedHashMap<String, NDArray> read(Path file, NDManager manager) throws IOException {
        long size = Files.size(file);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            if (size < 8)
                throw new WeightsFormatException(
                        file, "file is " + size + " bytes, too short for a safetensors header");
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long headerLen = lenBuf.flip().getLong();
            if (headerLen <= 0 || headerLen > size - 8 || headerLen > 100_000_000) {
                throw new WeightsFormatException(
                        file,
                        "header length " + headerLen + " does not fit a file of " + size
                                + " bytes: not a safetensors file, or truncated");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
            readFully(ch, hb, 8);
            JsonNode header;
            try {
                header = JSON.readTree(new String(hb.array(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new WeightsFormatException(
                        file,
                        "header is not valid JSON ("
                                + e.getMessage().lines().findFirst().orElse("") + ")");
            }
            long dataStart = 8 + headerLen;
            LinkedHashMap<String, NDArray> out = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals("__metadata__")) continue;
                JsonNode t = e.getValue();
                String dtype = t.path("dtype").asText();
                long[] shape = new long[t.path("shape").size()];
                for (int i = 0; i < shape.length; i++)
                    shape[i] = t.path("shape").get(i).asLong();
                long begin = t.path("data_offsets").path(0).asLong(-1),
                        end = t.path("data_offsets").path(1).asLong(-1);
                long numel = new Shape(shape).size();
                int width = byteWidth(file, e.getKey(), dtype);
                if (begin < 0 || end - begin != numel * width || dataStart + end > size) {
                    throw new WeightsFormatException(
                            file,
                            "tensor '" + e.getKey() + "' (" + dtype + " " + new Shape(shape) + ") has data offsets ["
                                    + begin + ", " + end + ") that do not fit the file: truncated or corrupt");
                }
                ByteBuffer data = ByteBuffer.allocateDirect((int) (end - begin)).order(ByteOrder.LITTLE_ENDIAN);
                readFully(ch, data, dataStart + begin);
                data.flip();
                out.put(e.getKey(), toArray(manager, dtype, data, new Shape(shape)));
            }
            return out;
        }
    }

    /** Header metadata ({@code __metadata__}), empty if none. */
    public static Map<String, String> metadata(Path file) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            ByteBuffer hb = ByteBuffer.allocate((int) lenBuf.flip().getLong());
            readFully(ch, hb, 8);
            JSON.readTree(hb.array())
                    .path("__metadata__")
                    .fields()
                    .forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        }
        return out;
    }

    /** Writes the tensors (and optional string metadata) atomically: temp file, then move into place. */
    public static void write(Path file, Map<String, NDArray> tensors, Map<String, String> metadata) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
            NDArray a = e.getValue();
            long bytes = a.getShape().size() * a.getDataType().getNumOfBytes();
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", dtypeName(a.getDataType()));
            var shape = t.putArray("shape");
            for (long d : a.getShape().getShape()) shape.add(d);
            t.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] h = JSON.writeValueAsBytes(header);
        int pad = (8 - h.length % 8) % 8;
        byte[] headerBytes = new byte[h.length + pad];
        System.arraycopy(h, 0, headerBytes, 0, h.length);
        for (int i = h.length; i < headerBytes.length; i++) headerBytes[i] = ' ';
        AtomicFiles.write(file, out -> {
            ByteBuffer len =
                    ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(headerBytes.length);
            out.write(len.array());
            out.write(headerBytes);
            for (NDArray a : tensors.values()) writeData(out, a);
        });
    }

    private static void writeData(OutputStream out, NDArray a) throws IOException {
        ByteBuffer b = a.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        byte[] chunk = new byte[Math.min(1 << 20, Math.max(1, b.remaining()))];
        while (b.hasRemaining()) {
            int n = Math.min(chunk.length, b.remaining());
            b.get(chunk, 0, n);
            out.write(chunk, 0, n);
        }
    }

    private static NDArray toArray(NDManager manager, String dtype, ByteBuffer data, Shape shape) {
        switch (dtype) {
            case "F32":
                return manager.create(data.asFloatBuffer(), shape, DataType.FLOAT32);
            case "I64":
                return manager.create(data.asLongBuffer(), shape, DataType.INT64);
            case "F16":
                return manager.create(data, shape, DataType.FLOAT16).toType(DataType.FLOAT32, false);
            case "BF16": {
                float[] f = new float[(int) shape.size()];
                for (int i = 0; i < f.length; i++) f[i] = Float.intBitsToFloat((data.getShort() & 0xffff) << 16);
                return manager.create(f, shape);
            }
            default:
                throw new IllegalStateException(dtype);
        }
    }

    private static int byteWidth(Path file, String key, String dtype) {
        return switch (dtype) {
            case "F32" -> 4;
            case "I64" -> 8;
            case "F16", "BF16" -> 2;
            default ->
                throw new WeightsFormatException(
                        file,
                        "tensor '" + key + "' has unsupported dtype " + dtype + " (supported: F32, F16, BF16, I64)");
        };
    }

    private static String dtypeName(DataType t) {
        return switch (t) {
            case FLOAT32 -> "F32";
            case INT64 -> "I64";
            case FLOAT16 -> "F16";
            default -> throw new IllegalArgumentException("cannot write dtype " + t);
        };
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) throw new IOException("unexpected end of file");
            pos += n;
        }
    }
}
