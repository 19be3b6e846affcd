package dev.hybridvit.data;

import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/** Image files generated for tests. */
public final class TestImages {
    private TestImages() {}

    /** A smooth colour pattern of w×h that differs per {@code seed}, as PNG. */
    public static Path png(Path file, int w, int h, int seed) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int r = (int) (127 + 127 * Math.sin(0.05 * seed * x)), g = 255 * y / h, b = (x * y * seed) & 0xff;
                img.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
        if (!ImageIO.write(img, "png", file.toFile())) throw new IOException("no PNG writer");
        return file;
    }

    /**
     * A 4-channel Adobe JPEG (APP14 "Adobe", transform 0 = CMYK stored inverted, as Photoshop
     * writes it): the left half red ink (M and Y full), the right half no ink. The JPEG writer
     * encodes the four raw channels of a raster; the APP14 segment that marks them as CMYK is
     * inserted after SOI by hand.
     */
    public static Path cmykJpeg(Path file, int w, int h) throws IOException {
        WritableRaster r = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, w, h, 4, null);
        int[] red = {255, 0, 0, 255}, paper = {255, 255, 255, 255}; // inverted C, M, Y, K
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) r.setPixel(x, y, x < w / 2 ? red : paper);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
            writer.setOutput(out);
            ImageWriteParam p = writer.getDefaultWriteParam();
            p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            p.setCompressionQuality(1f);
            writer.write(null, new IIOImage(r, null, null), p);
        } finally {
            writer.dispose();
        }
        byte[] raw = bytes.toByteArray();
        byte[] app14 = {(byte) 0xFF, (byte) 0xEE, 0, 14, 'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, 0};
        byte[] jpeg = new byte[raw.length + app14.length];
        System.arraycopy(raw, 0, jpeg, 0, 2);
        System.arraycopy(app14, 0, jpeg, 2, app14.length);
        System.arraycopy(raw, 2, jpeg, 2 + app14.length, raw.length - 2);
        return Files.write(file, jpeg);
    }

    /** Encoded PNG bytes of a w×h pattern ({@link #png}). */
    public static byte[] pngBytes(int w, int h, int seed) throws IOException {
        Path file = java.nio.file.Files.createTempFile("hybridvit-test-", ".png");
        try {
            return java.nio.file.Files.readAllBytes(png(file, w, h, seed));
        } finally {
            java.nio.file.Files.deleteIfExists(file);
        }
    }

    /** A decompression bomb: a PNG header declaring w×h RGB pixels, followed by no image data. */
    public static byte[] bombPng(int w, int h) {
        java.nio.ByteBuffer ihdr = java.nio.ByteBuffer.allocate(17);
        ihdr.put("IHDR".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
                .putInt(w)
                .putInt(h)
                .put(new byte[] {8, 2, 0, 0, 0});
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(ihdr.array());
        return java.nio.ByteBuffer.allocate(8 + 4 + 17 + 4)
                .put(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'})
                .putInt(13)
                .put(ihdr.array())
                .putInt((int) crc.getValue())
                .array();
    }
}
