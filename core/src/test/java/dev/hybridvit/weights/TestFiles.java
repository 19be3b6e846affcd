package dev.hybridvit.weights;

import ai.djl.ndarray.NDArray;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Builds weights files byte by byte for tests, and compares state dicts bit for bit. */
final class TestFiles {
    private TestFiles() {}

    /** A torch.save-style zip with the given pickle and storage records under {@code archive/}. */
    static Path pth(Path file, byte[] pickle, Map<String, byte[]> storages) throws IOException {
        try (OutputStream raw = Files.newOutputStream(file);
                ZipOutputStream zip = new ZipOutputStream(raw)) {
            put(zip, "archive/data.pkl", pickle);
            for (Map.Entry<String, byte[]> e : storages.entrySet())
                put(zip, "archive/data/" + e.getKey(), e.getValue());
            put(zip, "archive/version", "3\n".getBytes());
        }
        return file;
    }

    private static void put(ZipOutputStream zip, String name, byte[] data) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        zip.write(data);
        zip.closeEntry();
    }

    /** Raw bytes of every array, by name, in order. */
    static LinkedHashMap<String, byte[]> bytes(Map<String, NDArray> tensors) {
        LinkedHashMap<String, byte[]> out = new LinkedHashMap<>();
        tensors.forEach((k, v) -> {
            ByteBuffer b = v.toByteBuffer();
            byte[] a = new byte[b.remaining()];
            b.get(a);
            out.put(k, a);
        });
        return out;
    }

    /** Describes the first difference, or returns null if names, order, shapes, types and bytes are equal. */
    static String firstDifference(Map<String, NDArray> got, Map<String, byte[]> want, Map<String, NDArray> wantArrays) {
        if (!new java.util.ArrayList<>(got.keySet()).equals(new java.util.ArrayList<>(want.keySet()))) {
            return "keys differ: got " + got.size() + " keys, first "
                    + got.keySet().stream().limit(3).toList() + "; want " + want.size() + ", first "
                    + want.keySet().stream().limit(3).toList();
        }
        for (Map.Entry<String, NDArray> e : got.entrySet()) {
            NDArray w = wantArrays.get(e.getKey());
            if (!e.getValue().getShape().equals(w.getShape()))
                return e.getKey() + ": shape " + e.getValue().getShape() + " vs " + w.getShape();
            if (e.getValue().getDataType() != w.getDataType())
                return e.getKey() + ": dtype " + e.getValue().getDataType() + " vs " + w.getDataType();
            ByteBuffer b = e.getValue().toByteBuffer();
            byte[] a = new byte[b.remaining()];
            b.get(a);
            if (!java.util.Arrays.equals(a, want.get(e.getKey()))) return e.getKey() + ": values differ";
        }
        return null;
    }
}
