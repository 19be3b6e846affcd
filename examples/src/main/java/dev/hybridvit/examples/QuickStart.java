package dev.hybridvit.examples;

import dev.hybridvit.export.ExportOptions;
import dev.hybridvit.export.Exporter;
import dev.hybridvit.infer.Predictor;
import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.VisionModel;
import dev.hybridvit.weights.WeightsExport;
import dev.hybridvit.weights.WeightsLoader;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * The library in one page: build a registered model, save and load its weights, classify an image
 * in eager libtorch, export the deploy form to ONNX and classify the same image in ONNX Runtime.
 * The part between the {@code readme} markers is the README's Java example, word for word (a test
 * keeps the two equal).
 *
 * <p>Usage: {@code QuickStart [OUT_DIR [IMAGE]]}. Without an image it draws one. The weights are
 * freshly initialised, so the classes it prints are arbitrary; load real weights (a timm
 * {@code .safetensors} file or an official {@code .pth} checkpoint) for meaningful ones.
 */
public final class QuickStart {
    private QuickStart() {}

    public static void main(String[] args) throws IOException {
        Path dir = args.length > 0
                ? Files.createDirectories(Path.of(args[0]))
                : Files.createTempDirectory("hybridvit-quickstart");
        Path image = args.length > 1 ? Path.of(args[1]) : drawImage(dir.resolve("image.png"));

        // readme:begin
        String name = "trtvit_pico_hv"; // any of ModelRegistry.names()
        Path weights = dir.resolve(name + ".safetensors"), onnx = dir.resolve(name + ".onnx");

        // A registered model with fresh weights, saved under the official state-dict key names.
        try (VisionModel model = ModelRegistry.get(name).create(ModelOptions.defaults(), 42)) {
            System.out.printf("%s: %,d parameters, %d px input%n", name, model.parameterCount(), model.imageSize());
            WeightsExport.write(model, weights);
        }

        // Load weights (.safetensors, .pth or .npz; strict: a wrong key is named) and export the deploy form.
        try (VisionModel model = ModelRegistry.get(name).create(ModelOptions.defaults(), 0)) {
            System.out.println(WeightsLoader.load(model, weights).describe());
            Exporter.export(model, onnx, ExportOptions.defaults().withDeploy(true));
        }

        // Classify an image with the model's preprocessing: eager libtorch, then the ONNX file in ONNX Runtime.
        try (Predictor eager = Predictor.open(name, weights, null, 0, Predictor.Runtime.TORCH);
                Predictor ort = Predictor.open(name, onnx, null, 0, Predictor.Runtime.ONNX)) {
            for (Predictor predictor : List.of(eager, ort)) {
                System.out.println(predictor.runtime() + " top-5:");
                for (Predictor.Prediction p :
                        predictor.predict(List.of(image), 5).get(0)) {
                    System.out.printf("  %6.4f  %s%n", p.probability(), p.label());
                }
            }
        }
        // readme:end
    }

    /** A 256×256 test picture (a red disc on a blue-to-green gradient), written as PNG. */
    static Path drawImage(Path file) throws IOException {
        BufferedImage img = new BufferedImage(256, 256, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) img.setRGB(x, y, new Color(40, x, 255 - y).getRGB());
        }
        Graphics2D g = img.createGraphics();
        g.setColor(new Color(220, 30, 30));
        g.fillOval(64, 64, 128, 128);
        g.dispose();
        ImageIO.write(img, "png", file.toFile());
        return file;
    }
}
