package dev.hybridvit.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.hybridvit.data.SegmentationFolder;
import dev.hybridvit.data.SegmentationPipeline;
import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.ModelSpec;
import dev.hybridvit.models.VisionModel;
import dev.hybridvit.models.segmentation.SegmentationInference;
import dev.hybridvit.models.segmentation.SemanticFPN;
import dev.hybridvit.nn.Upsample;
import dev.hybridvit.tensor.Tensors;
import dev.hybridvit.weights.Checkpoint;
import dev.hybridvit.weights.WeightsLoader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.IntConsumer;

/**
 * mmseg's test loop for a segmentation model: each image resized to the pipeline's scale
 * (keeping its ratio) and normalised, inferred whole or by sliding window, the logits resized
 * bilinearly back to the annotation's size, the arg-max class compared with the labels in
 * {@link SegmentationMetrics} (aAcc, mIoU, mAcc, per-class IoU and Acc; label 255 ignored).
 */
public final class SegmentationValidation {
    private SegmentationValidation() {}

    /** mmseg's {@code test_cfg}: {@code whole}, or {@code slide} with crop size and stride. */
    /** What {@link #run} measured: on which model and images, how, and the figures. */
    public record Report(
            String model,
            String dataset,
            int images,
            SegmentationInference inference,
            List<String> classes,
            SegmentationMetrics.Result result) {}

    /**
     * Loads {@code weights} (a Semantic FPN checkpoint names its model; otherwise {@code model}
     * must) and evaluates them on the {@code validation} split of the ADE20K-layout {@code dir}.
     */
    public static Report run(
            String model, Path weights, Path dir, boolean reduceZeroLabel, SegmentationInference inference, int limit)
            throws IOException {
        Optional<Checkpoint.Info> info = Checkpoint.info(weights);
        String name = info.map(Checkpoint.Info::model).orElse(model);
        if (name == null) throw new IllegalArgumentException("--model is required: " + weights + " does not name one");
        if (model != null && !model.equals(name))
            throw new IllegalArgumentException("--model " + model + " but " + weights + " holds " + name);
        ModelSpec spec = ModelRegistry.get(name);
        if (!name.startsWith(SemanticFPN.PREFIX))
            throw new IllegalArgumentException(name + " is not a segmentation model (" + SemanticFPN.PREFIX + "*)");
        SegmentationFolder val = SegmentationFolder.open(dir, "validation", reduceZeroLabel, 0);
        ModelOptions options = info.map(Checkpoint.Info::options)
                .orElse(ModelOptions.defaults().withNumClasses(val.classes().size()));
        if (options.numClasses() != val.classes().size())
            throw new IllegalArgumentException(weights + " has " + options.numClasses() + " classes, " + dir + " "
                    + val.classes().size());
        try (VisionModel m = spec.create(options, 0)) {
            WeightsLoader.load(m, weights);
            SegmentationMetrics.Result r = evaluate(
                    (SemanticFPN) m, val, SegmentationPipeline.forCrop(m.imageSize()), inference, limit, n -> {});
            return new Report(
                    name,
                    dir.toString(),
                    limit > 0 ? Math.min(limit, val.size()) : val.size(),
                    inference,
                    val.classes(),
                    r);
        }
    }

    /** The model's logits (1×K×H×W) for one normalised image, as {@code inference} says. */
    public static NDArray logits(SemanticFPN model, NDArray x, SegmentationInference inference) {
        return inference.slide() ? model.slideForward(x, inference.crop(), inference.stride()) : model.predict(x);
    }

    /**
     * Evaluates the first {@code limit} images of {@code folder} (all when ≤ 0); {@code done}
     * hears the count after each image.
     */
    public static SegmentationMetrics.Result evaluate(
            SemanticFPN model,
            SegmentationFolder folder,
            SegmentationPipeline pipeline,
            SegmentationInference inference,
            int limit,
            IntConsumer done)
            throws IOException {
        boolean wasTraining = model.isTraining();
        model.setTraining(false);
        try {
            SegmentationMetrics metrics =
                    new SegmentationMetrics(folder.classes().size(), SegmentationFolder.IGNORE);
            int n = limit > 0 ? Math.min(limit, folder.size()) : folder.size();
            for (int i = 0; i < n; i++) {
                SegmentationFolder.Sample s = folder.read(i);
                metrics.add(predict(model, pipeline, inference, s.image()), labels(s.label()));
                done.accept(i + 1);
            }
            return metrics.result();
        } finally {
            model.setTraining(wasTraining);
        }
    }

    /** Class per pixel of {@code image} at its own size (row-major). */
    public static int[] predict(
            SemanticFPN model,
            SegmentationPipeline pipeline,
            SegmentationInference inference,
            dev.hybridvit.data.RgbImage image) {
        int[] size = new int[2];
        float[] x = pipeline.evaluate(image, size);
        try (NDManager scope = model.manager().newSubManager()) {
            NDArray in = Tensors.fromFloats(scope, x, 1, 3, size[0], size[1]);
            NDArray logits = logits(model, in, inference);
            logits.attach(scope);
            NDArray full = Upsample.resize(logits, image.height(), image.width(), Upsample.Mode.BILINEAR);
            return full.argMax(1).toType(DataType.INT32, false).toIntArray();
        }
    }

    static int[] labels(byte[] label) {
        int[] out = new int[label.length];
        for (int i = 0; i < out.length; i++) out[i] = label[i] & 0xff;
        return out;
    }
}
