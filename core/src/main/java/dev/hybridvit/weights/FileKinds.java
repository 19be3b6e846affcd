package dev.hybridvit.weights;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/** What a file looks like from its first bytes: picks the reader and explains a wrong file in errors. */
final class FileKinds {
    /** The formats {@link Weights} can read, plus the ones it recognises only to explain them. */
    enum Kind {
        ZIP,
        SAFETENSORS,
        NPY,
        LEGACY_PICKLE,
        OTHER
    }

    private FileKinds() {}

    static byte[] head(Path file, int n) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(n);
        }
    }

    static Kind kind(Path file) throws IOException {
        byte[] h = head(file, 16);
        if (h.length >= 4 && h[0] == 'P' && h[1] == 'K' && (h[2] == 3 || h[2] == 5) && (h[3] == 4 || h[3] == 6))
            return Kind.ZIP;
        if (h.length >= 6
                && (h[0] & 0xff) == 0x93
                && h[1] == 'N'
                && h[2] == 'U'
                && h[3] == 'M'
                && h[4] == 'P'
                && h[5] == 'Y') return Kind.NPY;
        if (h.length >= 2 && (h[0] & 0xff) == 0x80 && h[1] >= 2 && h[1] <= 5) return Kind.LEGACY_PICKLE;
        if (h.length >= 10) {
            long len = ByteBuffer.wrap(h, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (len > 1 && h[8] == '{') return Kind.SAFETENSORS; // SafeTensors.read explains a truncated one
        }
        return Kind.OTHER;
    }

    /** A phrase such as "a PNG image" or "text (starts with "hello")", for error messages. */
    static String describe(Path file) {
        byte[] h;
        try {
            if (Files.size(file) == 0) return "empty (0 bytes)";
            h = head(file, 512);
        } catch (IOException e) {
            return "unreadable (" + e.getMessage() + ")";
        }
        if (startsWith(h, 0x89, 'P', 'N', 'G')) return "a PNG image";
        if (startsWith(h, 0xff, 0xd8, 0xff)) return "a JPEG image";
        if (startsWith(h, 'G', 'I', 'F', '8')) return "a GIF image";
        if (startsWith(h, '%', 'P', 'D', 'F')) return "a PDF document";
        if (startsWith(h, 0x1f, 0x8b)) return "gzip-compressed data";
        if (startsWith(h, 'P', 'K')) return "a ZIP archive";
        if (startsWith(h, 0x93, 'N', 'U', 'M', 'P', 'Y')) return "a single NumPy .npy array";
        if (startsWith(h, 0x80) && h.length > 1 && h[1] >= 2 && h[1] <= 5) {
            return "a bare pickle (the legacy torch.save format of PyTorch < 1.6, or a plain pickle); re-save it with a "
                    + "current PyTorch: torch.save(torch.load(f), g)";
        }
        if (startsWith(h, 0x89, 'H', 'D', 'F')) return "an HDF5 file (Keras weights?)";
        int printable = 0;
        for (byte b : h) if ((b >= 0x20 && b < 0x7f) || b == '\n' || b == '\r' || b == '\t') printable++;
        if (printable == h.length) {
            String first = new String(h, java.nio.charset.StandardCharsets.US_ASCII)
                    .lines()
                    .findFirst()
                    .orElse("")
                    .strip();
            if (first.length() > 40) first = first.substring(0, 40) + "…";
            return "text (starts with \"" + first + "\")";
        }
        return "unrecognised binary data";
    }

    private static boolean startsWith(byte[] h, int... magic) {
        if (h.length < magic.length) return false;
        for (int i = 0; i < magic.length; i++) if ((h[i] & 0xff) != magic[i]) return false;
        return true;
    }
}
