package dev.hybridvit.cli;

import dev.hybridvit.infer.OnnxPredictor;
import dev.hybridvit.infer.Segmenter;
import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.VisionModel;
import dev.hybridvit.models.segmentation.SegmentationInference;
import dev.hybridvit.weights.WeightsLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code segment MODEL --weights W IMAGE... --out DIR [--mode whole|slide]}: label mask (palette
 * PNG) and colour overlay per image, in libtorch or, for an {@code .onnx} file, ONNX Runtime.
 */
@Command(
        name = "segment",
        description = "Segment image files with a segmentation model (fpn_…): writes NAME_mask.png (palette, pixel ="
                + " class) and NAME_overlay.png per image.")
final class SegmentCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "a segmentation model, e.g. fpn_nextvit_small")
    String model;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "IMAGE")
    List<Path> images;

    @Option(names = "--weights", required = true, description = "weights of the whole model, or an exported .onnx")
    Path weights;

    @Option(names = "--out", required = true, description = "output folder")
    Path out;

    @Option(names = "--num-classes", description = "classes (default: 150)")
    Integer numClasses;

    @Option(names = "--img-size", description = "input size (default: the model's)")
    int imgSize;

    @Option(names = "--threads", description = "intra-op threads for ONNX Runtime (default: all cores)")
    int threads;

    @Mixin
    SegmentationInferenceOptions inference = new SegmentationInferenceOptions();

    @Override
    public Integer call() throws Exception {
        if (!ModelRegistry.isSegmentation(model)) {
            throw new IllegalArgumentException(
                    model + " is not a segmentation model (try fpn_" + model + "; `models` lists the backbones)");
        }
        Files.createDirectories(out);
        if (weights.toString().endsWith(".onnx")) {
            try (OnnxPredictor p =
                    OnnxPredictor.open(weights, OnnxPredictor.Options.defaults().withThreads(threads))) {
                run(Segmenter.onnx(p, weights), inference.resolve(p.height()));
            }
            return 0;
        }
        ModelOptions options = ModelRegistry.options(model, numClasses).withImageSize(imgSize);
        try (VisionModel net = ModelRegistry.get(model).create(options, 0)) {
            System.err.println(WeightsLoader.load(net, weights, WeightsLoader.Options.STRICT)
                    .describe());
            run(Segmenter.eager(net), inference.resolve(net.imageSize()));
        }
        return 0;
    }

    private void run(Segmenter segmenter, SegmentationInference how) throws Exception {
        for (Path image : images) {
            Segmenter.Mask m = segmenter.segment(image, how);
            String stem = image.getFileName().toString().replaceFirst("\\.[^.]+$", "");
            Segmenter.writeMask(m, out.resolve(stem + "_mask.png"));
            Segmenter.writeOverlay(m, out.resolve(stem + "_overlay.png"));
            System.out.printf("%s: %s_mask.png, %s_overlay.png (%d×%d)%n", image, stem, stem, m.width(), m.height());
        }
    }
}
