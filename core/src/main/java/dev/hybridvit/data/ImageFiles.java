package dev.hybridvit.data;

import dev.hybridvit.tensor.Printable;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.awt.image.Raster;
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
import org.w3c.dom.Node;

/**
 * Image files to model input: decode with ImageIO (JPEG, PNG, BMP, GIF; CMYK and YCCK JPEGs as
 * PIL decodes them), then the evaluation preprocessing of timm and torchvision on a PIL image,
 * reproduced exactly ({@link RgbImage}, {@link PilResampler}).
 */
public final class ImageFiles {
    private ImageFiles() {}

    /** An image file that could not be decoded. */
    public static final class UnreadableImageException extends IOException {
        public UnreadableImageException(Path file, String why) {
            this(file.toString(), why);
        }

        public UnreadableImageException(String source, String why) {
            super(Printable.escape(source + ": not a readable image (" + why + ")"));
        }
    }

    /**
     * Decodes {@code file}; a file that is not an image gets an {@link UnreadableImageException}.
     * Pixels are PIL's: a JPEG with an embedded ICC profile, which ImageIO would convert to sRGB,
     * and a CMYK/YCCK JPEG, which ImageIO cannot convert, are read as raw samples and converted
     * as libjpeg and PIL do, leaving the profile unapplied. If the first registered reader fails,
     * the others are tried.
     */
    public static BufferedImage decode(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new NoSuchFileException(file.toString());
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            if (in == null) throw new UnreadableImageException(file, "cannot open");
            List<ImageReader> readers = new ArrayList<>();
            ImageIO.getImageReaders(in).forEachRemaining(readers::add);
            if (readers.isEmpty())
                throw new UnreadableImageException(file, "unknown format; JPEG, PNG, BMP and GIF are supported");
            UnreadableImageException first = null;
            for (ImageReader reader : readers) {
                try {
                    in.seek(0);
                    reader.setInput(in, true, true);
                    ImageLimits.checkHeader(file, reader);
                    return read(reader);
                } catch (UnreadableImageException e) {
                    throw e;
                } catch (IOException | RuntimeException e) {
                    if (first == null)
                        first = new UnreadableImageException(
                                file, reader.getFormatName() + " decoding failed: " + e.getMessage());
                } finally {
                    reader.dispose();
                }
            }
            throw first;
        }
    }

    private static BufferedImage read(ImageReader reader) throws IOException {
        if (!"jpeg".equalsIgnoreCase(reader.getFormatName())) return reader.read(0);
        Node tree = reader.getImageMetadata(0).getAsTree("javax_imageio_jpeg_image_1.0");
        String components = attribute(find(tree, "sof"), "numFrameComponents");
        String transform = attribute(find(tree, "app14Adobe"), "transform");
        boolean icc = find(tree, "app2ICC") != null;
        if ("4".equals(components)) return cmykJpeg(reader.readRaster(0, null), "2".equals(transform));
        if (icc && "3".equals(components)) return rawJpeg(reader.readRaster(0, null), !"0".equals(transform));
        if (icc && "1".equals(components)) return rawJpeg(reader.readRaster(0, null), false);
        return reader.read(0);
    }

    /** A 1- or 3-component JPEG raster as libjpeg hands it to PIL: YCbCr converted to RGB, RGB and grey as stored. */
    private static BufferedImage rawJpeg(Raster raster, boolean ycc) {
        int w = raster.getWidth(), h = raster.getHeight(), bands = raster.getNumBands();
        BufferedImage out =
                new BufferedImage(w, h, bands == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_3BYTE_BGR);
        byte[] dst = ((DataBufferByte) out.getRaster().getDataBuffer()).getData();
        int[] px = new int[bands * w];
        for (int y = 0; y < h; y++) {
            raster.getPixels(raster.getMinX(), raster.getMinY() + y, w, 1, px);
            for (int x = 0; x < w; x++) {
                if (bands == 1) {
                    dst[y * w + x] = (byte) px[x];
                    continue;
                }
                int[] rgb = ycc
                        ? yccToRgb(px[3 * x], px[3 * x + 1], px[3 * x + 2])
                        : new int[] {px[3 * x], px[3 * x + 1], px[3 * x + 2]};
                for (int c = 0; c < 3; c++) dst[(y * w + x) * 3 + 2 - c] = (byte) rgb[c];
            }
        }
        return out;
    }

    /**
     * PIL's decoding of a 4-component JPEG followed by {@code convert("RGB")}: libjpeg turns YCCK
     * (Adobe transform 2) into CMYK, PIL reads the Adobe-inverted CMYK ({@code CMYK;I}) and maps
     * it to RGB as {@code (255 − k) − c·(255 − k)/255} per channel, in its integer arithmetic.
     */
    private static BufferedImage cmykJpeg(Raster raster, boolean ycck) {
        int w = raster.getWidth(), h = raster.getHeight();
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        byte[] bgr = ((DataBufferByte) out.getRaster().getDataBuffer()).getData();
        int[] px = new int[4 * w];
        for (int y = 0; y < h; y++) {
            raster.getPixels(raster.getMinX(), raster.getMinY() + y, w, 1, px);
            for (int x = 0; x < w; x++) {
                int[] rgb = ycck ? yccToRgb(px[4 * x], px[4 * x + 1], px[4 * x + 2]) : null;
                int nk = px[4 * x + 3]; // stored inverted: 255 - k
                for (int c = 0; c < 3; c++) {
                    // libjpeg stores 255 - R for YCCK; PIL's CMYK;I unpacking inverts the stored value
                    int cyan = ycck ? rgb[c] : 255 - px[4 * x + c];
                    int t = cyan * nk + 128;
                    bgr[(y * w + x) * 3 + 2 - c] = (byte) Math.max(0, Math.min(255, nk - (((t >> 8) + t) >> 8)));
                }
            }
        }
        return out;
    }

    /** libjpeg's {@code ycc_rgb_convert} in its fixed point (16 fraction bits), clamped to 0..255. */
    private static int[] yccToRgb(int y, int cb, int cr) {
        int half = 1 << 15;
        int r = y + ((int) (1.40200 * 65536 + 0.5) * (cr - 128) + half >> 16);
        int g = y
                + ((-(int) (0.34414 * 65536 + 0.5) * (cb - 128) - (int) (0.71414 * 65536 + 0.5) * (cr - 128) + half)
                        >> 16);
        int b = y + ((int) (1.77200 * 65536 + 0.5) * (cb - 128) + half >> 16);
        return new int[] {clamp8(r), clamp8(g), clamp8(b)};
    }

    private static String attribute(Node node, String name) {
        Node a = node == null ? null : node.getAttributes().getNamedItem(name);
        return a == null ? null : a.getNodeValue();
    }

    private static int clamp8(int v) {
        return Math.max(0, Math.min(255, v));
    }

    private static Node find(Node node, String name) {
        if (name.equals(node.getNodeName())) return node;
        for (Node child = node.getFirstChild(); child != null; child = child.getNextSibling()) {
            Node found = find(child, name);
            if (found != null) return found;
        }
        return null;
    }

    /** File name endings of the images a directory is searched for (lower case). */
    public static final List<String> EXTENSIONS = List.of(".jpg", ".jpeg", ".png", ".bmp", ".gif");

    /** Whether {@code file}'s name ends in one of {@link #EXTENSIONS} (any case). */
    public static boolean hasImageExtension(Path file) {
        String name = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        return EXTENSIONS.stream().anyMatch(name::endsWith);
    }

    /** The image files under {@code dir} (recursively, by extension, hidden files skipped), sorted. */
    public static List<Path> listImages(Path dir) throws IOException {
        try (java.util.stream.Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile)
                    .filter(p -> !p.getFileName().toString().startsWith("."))
                    .filter(ImageFiles::hasImageExtension)
                    .sorted()
                    .toList();
        }
    }

    /**
     * Decodes an image held in memory ({@code source} names it in errors). Rejected as
     * {@link UnreadableImageException}, each with its reason: not an image, a header declaring more
     * than {@link ImageLimits#maxPixels()} pixels, and a truncated file (the decoder's warning that data ended early).
     */
    public static BufferedImage decode(byte[] bytes, String source) throws IOException {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext())
                throw new UnreadableImageException(source, "unknown format; JPEG, PNG, BMP and GIF are supported");
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                ImageLimits.checkHeader(source, reader);
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
        return ImageLimits.headerProblem(file).isEmpty();
    }

    /** {@link #toTensor(BufferedImage, int, double, Interpolation)} with bicubic or bilinear resizing. */
    public static float[] toTensor(BufferedImage image, int size, double cropPct, boolean bicubic) {
        return toTensor(image, size, cropPct, bicubic ? Interpolation.BICUBIC : Interpolation.BILINEAR);
    }

    /**
     * The evaluation pipeline of timm's {@code transforms_imagenet_eval} and of the official
     * Next-ViT / CMT code on a PIL image: {@code convert("RGB")}, torchvision's
     * {@code Resize(floor(size / cropPct))}, {@code CenterCrop(size)}, {@code ToTensor}. Returns RGB
     * C×H×W in [0,1].
     */
    public static float[] toTensor(BufferedImage image, int size, double cropPct, Interpolation filter) {
        ImageLimits.checkResize(image.getWidth(), image.getHeight(), size / cropPct);
        RgbImage resized = resizeShorterSide(RgbImage.of(image), (int) Math.floor(size / cropPct), filter);
        int top = centerCropOffset(resized.height(), size), left = centerCropOffset(resized.width(), size);
        return resized.toTensor(top, left, size, size);
    }

    /**
     * torchvision's {@code Resize(int)}: the shorter side becomes {@code shorter}, the longer
     * {@code int(shorter · long / short)} (truncated, not rounded).
     */
    public static RgbImage resizeShorterSide(RgbImage image, int shorter, Interpolation filter) {
        int w = image.width(), h = image.height();
        int longer = (int) ((double) ((long) shorter * Math.max(w, h)) / Math.min(w, h));
        return w <= h ? image.resize(shorter, longer, filter) : image.resize(longer, shorter, filter);
    }

    /**
     * torchvision's {@code CenterCrop} offset {@code int(round((length - crop) / 2))}: Python
     * rounds halves to even, so an odd margin of 2k+1 pixels starts at the even one of k, k+1.
     */
    public static int centerCropOffset(int length, int crop) {
        if (crop > length) throw new IllegalArgumentException("cannot crop " + crop + " pixels from " + length);
        return (int) Math.rint((length - crop) / 2.0);
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
