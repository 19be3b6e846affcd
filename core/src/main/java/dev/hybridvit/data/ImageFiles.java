package dev.hybridvit.data;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Image files to model input: decode with ImageIO (JPEG, PNG, BMP, GIF), resize the shorter side
 * to {@code size / cropPct} (bicubic), centre-crop size×size and return RGB C×H×W floats in [0,1] —
 * the evaluation preprocessing of timm's {@code resolve_data_config} / {@code transforms_factory}.
 */
public final class ImageFiles {
    private ImageFiles() {}

    /** An image file that could not be decoded. */
    public static final class UnreadableImageException extends IOException {
        public UnreadableImageException(Path file, String why) {
            this(file.toString(), why);
        }

        public UnreadableImageException(String source, String why) {
            super(source + ": not a readable image (" + why + ")");
        }
    }

    /** Decodes {@code file}; a file that is not an image gets an {@link UnreadableImageException}. */
    public static BufferedImage decode(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new NoSuchFileException(file.toString());
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            if (in == null) throw new UnreadableImageException(file, "cannot open");
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext())
                throw new UnreadableImageException(file, "unknown format; JPEG, PNG, BMP and GIF are supported");
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                return reader.read(0);
            } catch (IOException | RuntimeException e) {
                throw new UnreadableImageException(
                        file, reader.getFormatName() + " decoding failed: " + e.getMessage());
            } finally {
                reader.dispose();
            }
        }
    }

    /**
     * Most pixels an in-memory image may declare: PIL's decompression-bomb limit
     * ({@code Image.MAX_IMAGE_PIXELS}, 89,478,485), checked from the header before any pixel is decoded.
     */
    public static final long MAX_PIXELS = 89_478_485L;

    /**
     * Decodes an image held in memory ({@code source} names it in errors). Rejected as
     * {@link UnreadableImageException}, each with its reason: not an image, a header declaring more
     * than {@link #MAX_PIXELS} pixels, and a truncated file (the decoder's warning that data ended early).
     */
    public static BufferedImage decode(byte[] bytes, String source) throws IOException {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext())
                throw new UnreadableImageException(source, "unknown format; JPEG, PNG, BMP and GIF are supported");
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                long w = reader.getWidth(0), h = reader.getHeight(0);
                if (w * h > MAX_PIXELS) {
                    throw new UnreadableImageException(
                            source, "decompression bomb: " + w + "×" + h + " pixels, more than " + MAX_PIXELS);
                }
                List<String> warnings = new ArrayList<>();
                reader.addIIOReadWarningListener((r, warning) -> warnings.add(warning));
                BufferedImage image = reader.read(0);
                if (!warnings.isEmpty())
                    throw new UnreadableImageException(source, "truncated or corrupt: " + warnings.get(0));
                return image;
            } catch (UnreadableImageException e) {
                throw e;
            } catch (IOException | RuntimeException e) {
                throw new UnreadableImageException(
                        source, reader.getFormatName() + " decoding failed: " + e.getMessage());
            } finally {
                reader.dispose();
            }
        }
    }

    /** Whether {@code file} looks like a decodable image (reads only its header). */
    public static boolean probe(Path file) {
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            if (in == null) return false;
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) return false;
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                return reader.getWidth(0) > 0 && reader.getHeight(0) > 0;
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Resize the shorter side to {@code round(size / cropPct)} ({@code bicubic} or bilinear) and
     * centre-crop size×size; returns RGB C×H×W in [0,1].
     */
    public static float[] toTensor(BufferedImage image, int size, double cropPct, boolean bicubic) {
        int scaled = (int) Math.floor(size / cropPct);
        int w = image.getWidth(), h = image.getHeight();
        int nw, nh;
        if (w <= h) {
            nw = scaled;
            nh = Math.max(scaled, (int) Math.round((double) h * scaled / w));
        } else {
            nh = scaled;
            nw = Math.max(scaled, (int) Math.round((double) w * scaled / h));
        }
        BufferedImage rgb = new BufferedImage(nw, nh, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = rgb.createGraphics();
        g.setRenderingHint(
                RenderingHints.KEY_INTERPOLATION,
                bicubic ? RenderingHints.VALUE_INTERPOLATION_BICUBIC : RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
        g.drawImage(image, 0, 0, nw, nh, null);
        g.dispose();
        int top = (nh - size) / 2, left = (nw - size) / 2;
        float[] out = new float[3 * size * size];
        int plane = size * size;
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                int p = rgb.getRGB(left + x, top + y);
                int i = y * size + x;
                out[i] = ((p >> 16) & 0xff) / 255f;
                out[plane + i] = ((p >> 8) & 0xff) / 255f;
                out[2 * plane + i] = (p & 0xff) / 255f;
            }
        }
        return out;
    }

    /** Writes a grey image (H×W floats in [0,1]) as an 8-bit PNG. */
    public static void writeGreyPng(float[] pixels, int height, int width, Path file) throws IOException {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int v = Math.max(0, Math.min(255, Math.round(pixels[y * width + x] * 255)));
                img.getRaster().setSample(x, y, 0, v);
            }
        }
        if (!ImageIO.write(img, "png", file.toFile())) throw new IOException("no PNG writer");
    }
}
