package dev.hybridvit.data;

import dev.hybridvit.tensor.Printable;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
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
            super(Printable.escape(file + ": not a readable image (" + why + ")"));
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
                ImageLimits.checkHeader(file, reader);
                return reader.read(0);
            } catch (UnreadableImageException e) {
                throw e;
            } catch (IOException | RuntimeException e) {
                throw new UnreadableImageException(
                        file, reader.getFormatName() + " decoding failed: " + e.getMessage());
            } finally {
                reader.dispose();
            }
        }
    }

    /** Whether {@code file} looks like a decodable image (reads only its header). */
    public static boolean probe(Path file) {
        return ImageLimits.headerProblem(file).isEmpty();
    }

    /**
     * Resize the shorter side to {@code round(size / cropPct)} ({@code bicubic} or bilinear) and
     * centre-crop size×size; returns RGB C×H×W in [0,1].
     */
    public static float[] toTensor(BufferedImage image, int size, double cropPct, boolean bicubic) {
        ImageLimits.checkResize(image.getWidth(), image.getHeight(), size / cropPct);
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
