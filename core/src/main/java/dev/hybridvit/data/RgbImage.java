package dev.hybridvit.data;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.DataBufferByte;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;

/**
 * An 8-bit RGB image, pixels interleaved row by row: what PIL's {@code Image.convert("RGB")}
 * yields, the input of the evaluation pipeline of torchvision's {@code ImageFolder} and timm.
 */
public record RgbImage(int width, int height, byte[] pixels) {
    public RgbImage {
        if (width < 1 || height < 1 || pixels.length != 3 * width * height)
            throw new IllegalArgumentException("RGB image " + width + "×" + height + " needs " + 3L * width * height
                    + " bytes, got " + pixels.length);
    }

    /**
     * Converts a decoded image as PIL's {@code convert("RGB")} does: greyscale repeated, palette
     * looked up, alpha dropped (not composited), 16-bit RGB to its high byte; 16-bit greyscale,
     * which PIL opens as 32-bit integer mode {@code I}, clipped to 255 (PIL's conversion), while
     * 16-bit greyscale with alpha, which PIL opens as {@code LA}, keeps its high byte. Samples are
     * read from the raster, never through Java2D's colour management, which would apply a gamma
     * curve to greyscale.
     */
    public static RgbImage of(BufferedImage image) {
        int w = image.getWidth(), h = image.getHeight();
        byte[] out = new byte[3 * w * h];
        if (image.getType() == BufferedImage.TYPE_3BYTE_BGR) {
            byte[] bgr = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
            for (int i = 0; i < out.length; i += 3) {
                out[i] = bgr[i + 2];
                out[i + 1] = bgr[i + 1];
                out[i + 2] = bgr[i];
            }
            return new RgbImage(w, h, out);
        }
        ColorModel cm = image.getColorModel();
        Raster raster = image.getRaster();
        int bands = raster.getNumBands();
        int[] row = new int[w * bands];
        int colourType = cm.getColorSpace().getType();
        boolean grey = !(cm instanceof IndexColorModel) && cm.getNumColorComponents() == 1;
        boolean rgb = !(cm instanceof IndexColorModel) && colourType == ColorSpace.TYPE_RGB;
        for (int y = 0; y < h; y++) {
            if (!grey && !rgb && !(cm instanceof IndexColorModel)) {
                for (int x = 0; x < w; x++) put(out, (y * w + x) * 3, image.getRGB(x, y));
                continue;
            }
            raster.getPixels(0, y, w, 1, row);
            for (int x = 0; x < w; x++) {
                int o = (y * w + x) * 3;
                if (cm instanceof IndexColorModel icm) {
                    int i = row[x * bands];
                    out[o] = (byte) icm.getRed(i);
                    out[o + 1] = (byte) icm.getGreen(i);
                    out[o + 2] = (byte) icm.getBlue(i);
                } else if (grey) {
                    int bits = cm.getComponentSize(0), v = row[x * bands];
                    byte g = (byte) (bits == 16 ? (cm.hasAlpha() ? v >> 8 : Math.min(v, 255)) : to8(v, bits));
                    out[o] = out[o + 1] = out[o + 2] = g;
                } else {
                    for (int c = 0; c < 3; c++) out[o + c] = (byte) to8(row[x * bands + c], cm.getComponentSize(c));
                }
            }
        }
        return new RgbImage(w, h, out);
    }

    private static int to8(int v, int bits) {
        if (bits == 8) return v;
        if (bits > 8) return v >> (bits - 8);
        return v * 255 / ((1 << bits) - 1);
    }

    private static void put(byte[] out, int o, int argb) {
        out[o] = (byte) (argb >> 16);
        out[o + 1] = (byte) (argb >> 8);
        out[o + 2] = (byte) argb;
    }

    /** The region {@code [top, top + h) × [left, left + w)} as C×H×W floats in [0, 1] (torchvision's {@code ToTensor}). */
    public float[] toTensor(int top, int left, int h, int w) {
        if (top < 0 || left < 0 || top + h > height || left + w > width)
            throw new IllegalArgumentException("crop " + h + "×" + w + " at (" + top + ", " + left
                    + ") is not inside a " + height + "×" + width + " image");
        float[] out = new float[3 * h * w];
        int plane = h * w;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int p = ((top + y) * width + left + x) * 3, i = y * w + x;
                out[i] = (pixels[p] & 0xff) / 255f;
                out[plane + i] = (pixels[p + 1] & 0xff) / 255f;
                out[2 * plane + i] = (pixels[p + 2] & 0xff) / 255f;
            }
        }
        return out;
    }

    /** PIL's {@code Image.resize((width, height), filter)} of this image. */
    public RgbImage resize(int newWidth, int newHeight, Interpolation filter) {
        if (newWidth == width && newHeight == height) return this;
        return new RgbImage(
                newWidth, newHeight, PilResampler.resize(pixels, width, height, 3, newWidth, newHeight, filter));
    }
}
