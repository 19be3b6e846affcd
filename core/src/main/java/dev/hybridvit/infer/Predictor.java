package dev.hybridvit.infer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.hybridvit.data.ImageFiles;
import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.ModelSpec;
import dev.hybridvit.models.VisionModel;
import dev.hybridvit.weights.Checkpoint;
import dev.hybridvit.weights.WeightsLoader;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Classifies image files with a model and its weights: the preprocessing is the model's
 * (resize shorter side to size/crop_pct, centre crop, ImageNet normalisation), or the one a
 * project checkpoint records from training; class names come from the checkpoint when it has
 * them, otherwise labels are the class indices.
 */
public final class Predictor implements AutoCloseable {
    /** One ranked class. */
    public record Prediction(int index, String label, double probability) {}

    private final VisionModel model;
    private final List<String> classNames;
    private final int size;
    private final double cropPct;
    private final boolean bicubic;

    private Predictor(VisionModel model, List<String> classNames, int size, double cropPct, boolean bicubic) {
        this.model = model;
        this.classNames = classNames;
        this.size = size;
        this.cropPct = cropPct;
        this.bicubic = bicubic;
    }

    /**
     * Builds {@code modelName} and loads {@code weights}. For a project checkpoint the class count,
     * input size and preprocessing come from its metadata; otherwise {@code numClasses} (default
     * 1000) and {@code imgSize} (0: native) apply.
     */
    public static Predictor open(String modelName, Path weights, Integer numClasses, int imgSize) throws IOException {
        Optional<Checkpoint.Info> info = Checkpoint.info(weights);
        if (info.isPresent() && modelName != null && !modelName.equals(info.get().model())) {
            throw new IllegalArgumentException(weights + " holds a " + info.get().model() + " checkpoint, not " + modelName);
        }
        String name = info.map(Checkpoint.Info::model).orElse(modelName);
        if (name == null) throw new IllegalArgumentException("name the model (" + weights + " is not a hybridvit checkpoint)");
        ModelSpec spec = ModelRegistry.get(name);
        ModelOptions options;
        List<String> names = List.of();
        double crop = spec.cropPct();
        boolean cubic = true;
        if (info.isPresent()) {
            options = info.get().options();
            names = info.get().classNames();
            Map<String, Object> extra = info.get().extra();
            if (extra.get("crop_pct") instanceof Number n) crop = n.doubleValue();
            if ("bilinear".equals(extra.get("interpolation"))) cubic = false;
        } else {
            options = ModelOptions.defaults().withNumClasses(numClasses == null ? 1000 : numClasses).withImageSize(imgSize);
        }
        VisionModel model = spec.create(options, 0);
        try {
            WeightsLoader.load(model, weights, WeightsLoader.Options.STRICT);
        } catch (IOException | RuntimeException e) {
            model.close();
            throw e;
        }
        return new Predictor(model, names, model.imageSize(), crop, cubic);
    }

    public VisionModel model() { return model; }

    public List<String> classNames() { return classNames; }

    /** The model input for {@code image}: 3×size×size, normalised. */
    public float[] preprocess(Path image) throws IOException {
        float[] x = ImageFiles.toTensor(ImageFiles.decode(image), size, cropPct, bicubic);
        int plane = size * size;
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < plane; i++) {
                x[c * plane + i] = (x[c * plane + i] - ModelSpec.IMAGENET_MEAN[c]) / ModelSpec.IMAGENET_STD[c];
            }
        }
        return x;
    }

    /** The {@code topk} most probable classes for each image (all images are decoded first, so a bad file fails early). */
    public List<List<Prediction>> predict(List<Path> images, int topk) throws IOException {
        List<float[]> inputs = new ArrayList<>();
        for (Path p : images) inputs.add(preprocess(p));
        List<List<Prediction>> out = new ArrayList<>();
        int k = model.numClasses();
        for (float[] x : inputs) {
            try (NDManager scope = model.manager().newSubManager()) {
                NDArray logits = model.predict(scope.create(x, new Shape(1, 3, size, size)));
                float[] p = logits.softmax(1).toFloatArray();
                Integer[] order = new Integer[k];
                for (int i = 0; i < k; i++) order[i] = i;
                java.util.Arrays.sort(order, (a, b) -> Float.compare(p[b], p[a]));
                List<Prediction> top = new ArrayList<>();
                for (int i = 0; i < Math.min(topk, k); i++) {
                    int c = order[i];
                    top.add(new Prediction(c, classNames.isEmpty() ? Integer.toString(c) : classNames.get(c), p[c]));
                }
                out.add(top);
            }
        }
        return out;
    }

    @Override
    public void close() {
        model.close();
    }
}
