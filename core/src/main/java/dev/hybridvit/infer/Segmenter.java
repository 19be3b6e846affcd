package dev.hybridvit.infer;

import ai.djl.ndarray.NDArray;
import dev.hybridvit.data.ImageFiles;
import dev.hybridvit.data.Preprocessing;
import dev.hybridvit.data.RgbImage;
import dev.hybridvit.data.SegmentationPipeline;
import dev.hybridvit.models.VisionModel;
import dev.hybridvit.models.segmentation.SegmentationInference;
import dev.hybridvit.models.segmentation.SemanticFPN;
import dev.hybridvit.tensor.Tensors;
import dev.hybridvit.weights.AtomicFiles;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * Semantic segmentation of image files with a segmentation model (N×K×H×W logits), in
 * eager libtorch or in an exported graph on ONNX Runtime: the image is preprocessed as the model's
 * {@link Preprocessing} says (shorter side to the model size, centre crop, mean/std), every pixel
 * takes the arg-max class, and the result is written as a palette PNG and as a colour overlay.
 */
public final class Segmenter {
    private final VisionModel model;
    private final OnnxPredictor onnx;
    private final Preprocessing pre;

    private Segmenter(VisionModel model, OnnxPredictor onnx, Preprocessing pre) {
        this.model = model;
        this.onnx = onnx;
        this.pre = pre;
    }

    /** Eager libtorch, with {@code model}'s own preprocessing (the caller keeps ownership). */
    public static Segmenter eager(VisionModel model) {
        return new Segmenter(model, null, Preprocessing.of(model.spec(), model.imageSize()));
    }

    /** An exported graph in ONNX Runtime, with the preprocessing its metadata records (the caller closes it). */
    public static Segmenter onnx(OnnxPredictor predictor, Path file) {
        return new Segmenter(null, predictor, Preprocessing.fromMetadata(predictor.metadata(), file.toString()));
    }

    /** Class per pixel (height×width, row-major) and the un-normalised RGB view (3×height×width, in [0, 1]) it was computed on. */
    public record Mask(int[] labels, float[] rgb, int height, int width) {}

    /** Whole-image inference at the model's size (shorter side resized, centre crop). */
    public Mask segment(Path image) throws IOException {
        return segment(image, SegmentationInference.whole());
    }

    /**
     * {@code whole}: the image at the model's size (shorter side resized, centre crop), one forward.
     * {@code slide}: the whole image as mmseg's test pipeline gives it (resized keeping its ratio so
     * that its shorter side is the model's size, mmseg's mean and std) covered by sliding windows
     * ({@link SegmentationInference}); with ONNX Runtime the windows must have the export's size.
     */
    public Mask segment(Path image, SegmentationInference inference) throws IOException {
        if (inference.slide()) return slide(image, inference);
        int size = pre.size();
        float[] rgb = ImageFiles.toTensor(ImageFiles.decode(image), size, pre.cropPct(), pre.bicubic());
        float[] x = pre.apply(image);
        float[] logits;
        if (onnx != null) {
            logits = onnx.predict(x, 1, 3, size, size)[0];
        } else {
            NDArray in = Tensors.fromFloats(model.manager(), x, 1, 3, size, size);
            NDArray out = model.predict(in);
            logits = Tensors.toFloats(out);
            out.close();
            in.close();
        }
        return new Mask(argMax(logits, size * size), rgb, size, size);
    }

    private Mask slide(Path image, SegmentationInference inference) throws IOException {
        if (onnx != null && inference.crop() != pre.size())
            throw new IllegalArgumentException("--crop-size " + inference.crop() + ": the ONNX export takes "
                    + pre.size() + "×" + pre.size() + " windows (use --crop-size " + pre.size()
                    + ", or export the model at " + inference.crop() + " px)");
        int[] hw = new int[2];
        float[] x = SegmentationPipeline.forCrop(pre.size()).evaluate(RgbImage.of(ImageFiles.decode(image)), hw);
        int h = hw[0], w = hw[1];
        float[] logits;
        if (onnx != null) {
            logits = inference.slideLogits(
                    1,
                    onnx.numClasses(),
                    h,
                    w,
                    (y1, y2, x1, x2) -> onnx.predict(
                                    SegmentationInference.window(x, 3, h, w, y1, y2, x1, x2), 1, 3, y2 - y1, x2 - x1)[
                            0]);
        } else {
            NDArray in = Tensors.fromFloats(model.manager(), x, 1, 3, h, w);
            NDArray out = ((SemanticFPN) model).slideForward(in, inference.crop(), inference.stride());
            logits = Tensors.toFloats(out);
            out.close();
            in.close();
        }
        float[] rgb = new float[x.length];
        for (int c = 0; c < 3; c++)
            for (int p = 0; p < h * w; p++)
                rgb[c * h * w + p] =
                        (x[c * h * w + p] * SegmentationPipeline.STD[c] + SegmentationPipeline.MEAN[c]) / 255f;
        return new Mask(argMax(logits, h * w), rgb, h, w);
    }

    /** The class of largest logit per pixel of K×plane logits. */
    private static int[] argMax(float[] logits, int plane) {
        int classes = logits.length / plane;
        int[] labels = new int[plane];
        for (int p = 0; p < plane; p++) {
            int best = 0;
            for (int k = 1; k < classes; k++) if (logits[k * plane + p] > logits[best * plane + p]) best = k;
            labels[p] = best;
        }
        return labels;
    }

    /** Colour of class {@code k}: a fixed, well-spread palette (class 0 black). */
    public static int colour(int k) {
        if (k == 0) return 0;
        float hue = (k * 0.618034f) % 1f;
        return java.awt.Color.HSBtoRGB(hue, 0.75f, 0.95f) & 0xffffff;
    }

    /** The label map as an 8-bit palette PNG (pixel value = class index, up to 256 classes). */
    public static void writeMask(Mask m, Path file) throws IOException {
        byte[] r = new byte[256], g = new byte[256], b = new byte[256];
        for (int k = 0; k < 256; k++) {
            int c = colour(k);
            r[k] = (byte) (c >> 16);
            g[k] = (byte) (c >> 8);
            b[k] = (byte) c;
        }
        BufferedImage img = new BufferedImage(
                m.width, m.height, BufferedImage.TYPE_BYTE_INDEXED, new IndexColorModel(8, 256, r, g, b));
        for (int p = 0; p < m.labels.length; p++) img.getRaster().setSample(p % m.width, p / m.width, 0, m.labels[p]);
        write(img, file);
    }

    /** The image with each pixel's class colour blended in at one half (background left as it is). */
    public static void writeOverlay(Mask m, Path file) throws IOException {
        int plane = m.height * m.width;
        BufferedImage img = new BufferedImage(m.width, m.height, BufferedImage.TYPE_INT_RGB);
        for (int p = 0; p < plane; p++) {
            int c = colour(m.labels[p]);
            int rgb = 0;
            for (int ch = 0; ch < 3; ch++) {
                float v = m.rgb[ch * plane + p];
                if (m.labels[p] != 0) v = 0.5f * v + 0.5f * ((c >> (16 - 8 * ch)) & 0xff) / 255f;
                rgb = (rgb << 8) | Math.round(Math.min(1, Math.max(0, v)) * 255);
            }
            img.setRGB(p % m.width, p / m.width, rgb);
        }
        write(img, file);
    }

    private static void write(BufferedImage img, Path file) throws IOException {
        AtomicFiles.write(file, out -> {
            if (!ImageIO.write(img, "png", out)) throw new IOException("no PNG writer");
        });
    }
}
