package dev.hybridvit.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors format (Hugging Face): an 8-byte little-endian header length, a JSON header
 * mapping each name to {dtype, shape, data_offsets}, then the raw little-endian tensor bytes.
 * F32, F16, BF16 and I64 are read (half types widen to float32); writing keeps each array's type.
 */
public final class SafeTensors {
    /** The JSON header is refused above this size (the format's reference reader allows 100 MB). */
    private static final long MAX_HEADER_BYTES = 100_000_000;
    /** Duplicate names are an error, not "the last one wins". */
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private SafeTensors() {}

    /** Reads every tensor into {@code manager}, in the file's header order. */
    public static LinkedHashMap<String, NDArray> read(Path file, NDManager manager) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            JsonNode header = header(file, ch, size);
            long dataStart = 8 + readHeaderLength(file, ch, size);
            List<Entry> entries = entries(file, header, size - dataStart);
            LinkedHashMap<String, NDArray> out = new LinkedHashMap<>();
            try {
                for (Entry e : entries) {
                    ByteBuffer data = ByteBuffer.allocateDirect(e.bytes()).order(ByteOrder.LITTLE_ENDIAN);
                    readFully(file, ch, data, dataStart + e.begin());
                    data.flip();
                    out.put(e.name(), toArray(manager, e.dtype(), data, new Shape(e.shape())));
                }
            } catch (IOException | RuntimeException ex) {
                out.values().forEach(NDArray::close);
                throw ex;
            }
            return out;
        }
    }

    /** One tensor as the header declares it, checked: {@code bytes} at {@code begin} of the data region. */
    private record Entry(String name, String dtype, long[] shape, long begin, int bytes) {}

    /**
     * Every tensor entry of {@code header}, checked before anything is read: integral non-negative
     * shapes whose byte size matches the data offsets, ranges that are disjoint and cover the data
     * region ({@code dataBytes}) exactly, as the safetensors format requires.
     */
    private static List<Entry> entries(Path file, JsonNode header, long dataBytes) {
        if (!header.isObject()) throw new WeightsFormatException(file, "safetensors header is not a JSON object");
        List<Entry> entries = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("__metadata__")) continue;
            String what = "tensor '" + e.getKey() + "'";
            JsonNode t = e.getValue();
            JsonNode shapeNode = t.path("shape"), offsets = t.path("data_offsets");
            if (!t.path("dtype").isTextual() || !shapeNode.isArray() || !offsets.isArray() || offsets.size() != 2) {
                throw new WeightsFormatException(
                        file, what + " entry is not {dtype: string, shape: [...], data_offsets: [begin, end]}");
            }
            String dtype = t.path("dtype").asText();
            long[] shape = new long[shapeNode.size()];
            for (int i = 0; i < shape.length; i++) shape[i] = integer(file, what + " shape", shapeNode.get(i));
            long begin = integer(file, what + " data offset", offsets.get(0));
            long end = integer(file, what + " data offset", offsets.get(1));
            int width = byteWidth(file, e.getKey(), dtype);
            int bytes = InputBounds.arrayBytes(file, what, InputBounds.numel(file, what, shape), width);
            if (end < begin || end - begin != bytes || end > dataBytes) {
                throw new WeightsFormatException(
                        file,
                        what + " (" + dtype + " " + Arrays.toString(shape) + ", " + bytes + " bytes) has data offsets ["
                                + begin + ", " + end + ") that do not fit the " + dataBytes
                                + "-byte data region: truncated or corrupt");
            }
            entries.add(new Entry(e.getKey(), dtype, shape, begin, bytes));
        }
        List<Entry> byOffset = new ArrayList<>(entries);
        byOffset.sort(Comparator.comparingLong(Entry::begin));
        long covered = 0;
        for (Entry e : byOffset) {
            if (e.begin() != covered) {
                throw new WeightsFormatException(
                        file,
                        "tensor '" + e.name() + "' starts at data byte " + e.begin()
                                + " but the previous tensor ends at "
                                + covered + (e.begin() < covered ? ": overlapping data ranges" : ": a gap in the data")
                                + " (expected contiguous, disjoint ranges)");
            }
            covered = e.begin() + e.bytes();
        }
        if (covered != dataBytes) {
            throw new WeightsFormatException(
                    file,
                    "the tensors cover " + covered + " of the " + dataBytes + " data bytes (expected all of them)");
        }
        return entries;
    }

    private static long integer(Path file, String what, JsonNode n) {
        if (n == null || !n.isIntegralNumber() || !n.canConvertToLong() || n.asLong() < 0) {
            throw new WeightsFormatException(file, what + " is " + n + ", expected a non-negative integer");
        }
        return n.asLong();
    }

    /** Header metadata ({@code __metadata__}), empty if none. */
    public static Map<String, String> metadata(Path file) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            header(file, ch, ch.size())
                    .path("__metadata__")
                    .fields()
                    .forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        }
        return out;
    }

    /** The JSON header, its declared length checked against the file size before it is read. */
    private static JsonNode header(Path file, FileChannel ch, long size) throws IOException {
        long headerLen = readHeaderLength(file, ch, size);
        ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
        readFully(file, ch, hb, 8);
        try {
            return JSON.readTree(hb.array());
        } catch (IOException e) {
            throw new WeightsFormatException(
                    file,
                    "header is not valid JSON ("
                            + e.getMessage().lines().findFirst().orElse("") + ")");
        }
    }

    private static long readHeaderLength(Path file, FileChannel ch, long size) throws IOException {
        if (size < 8)
            throw new WeightsFormatException(file, "file is " + size + " bytes, too short for a safetensors header");
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(file, ch, lenBuf, 0);
        long headerLen = lenBuf.flip().getLong();
        if (headerLen <= 0 || headerLen > size - 8 || headerLen > MAX_HEADER_BYTES) {
            throw new WeightsFormatException(
                    file,
                    "header length " + headerLen + " does not fit a file of " + size
                            + " bytes (expected at most " + Math.min(size - 8, MAX_HEADER_BYTES)
                            + "): not a safetensors file, or truncated");
        }
        return headerLen;
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

    private static void readFully(Path file, FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) throw new WeightsFormatException(file, "unexpected end of file at byte " + pos);
            pos += n;
        }
    }
}
