package dev.hybridvit.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * NumPy {@code .npz} archives ({@code np.savez} / {@code np.savez_compressed}): a zip whose
 * member {@code <name>.npy} holds the array {@code name}. Used as a weights format: one member
 * per state-dict key.
 */
public final class Npz {
    private Npz() {}

    /** Every member as an array in {@code manager}, in archive order, keyed by name without ".npy". */
    public static LinkedHashMap<String, NDArray> read(Path file, NDManager manager) throws IOException {
        LinkedHashMap<String, NDArray> out = new LinkedHashMap<>();
        try (ZipFile zip = TorchCheckpoint.openZip(file)) {
            for (Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements(); ) {
                ZipEntry e = en.nextElement();
                if (e.isDirectory()) continue;
                if (!e.getName().endsWith(".npy")) {
                    throw new WeightsFormatException(
                            file,
                            "member '" + e.getName() + "' is not a .npy array: not an .npz archive"
                                    + (e.getName().endsWith("data.pkl")
                                            ? " (it looks like a PyTorch checkpoint; use the .pth extension)"
                                            : ""));
                }
                String key = e.getName().substring(0, e.getName().length() - 4);
                try (InputStream in = new BufferedInputStream(zip.getInputStream(e))) {
                    out.put(key, Npy.read(in, manager, file, "member '" + e.getName() + "': "));
                } catch (IOException ex) {
                    throw new WeightsFormatException(
                            file,
                            "member '" + e.getName() + "' cannot be read (" + ex.getMessage()
                                    + "): the archive is corrupt",
                            ex);
                }
            }
        } catch (RuntimeException | IOException e) {
            out.values().forEach(NDArray::close);
            throw e;
        }
        if (out.isEmpty()) throw new WeightsFormatException(file, "the .npz archive holds no arrays");
        return out;
    }

    /** Writes {@code tensors} as an uncompressed .npz (what {@code np.savez} writes), atomically. */
    public static void write(Path file, Map<String, NDArray> tensors) throws IOException {
        AtomicFiles.write(file, raw -> {
            ZipOutputStream zip = new ZipOutputStream(raw);
            zip.setLevel(0);
            for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey() + ".npy"));
                Npy.write(zip, e.getValue());
                zip.closeEntry();
            }
            zip.finish();
        });
    }
}
