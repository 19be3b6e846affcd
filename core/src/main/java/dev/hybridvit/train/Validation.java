package dev.hybridvit.train;

import dev.hybridvit.data.BatchLoader;
import dev.hybridvit.data.DataSources;
import dev.hybridvit.data.Interpolation;
import dev.hybridvit.data.Preprocessing;
import dev.hybridvit.infer.OnnxPredictor;
import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.ModelSpec;
import dev.hybridvit.models.PretrainedTag;
import dev.hybridvit.models.VisionModel;
import dev.hybridvit.weights.Checkpoint;
import dev.hybridvit.weights.WeightsLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** timm's {@code validate.py}: top-1/top-5 and the confusion matrix of weights on a dataset's validation split. */
public final class Validation {
    private Validation() {}

    /** The result with the model name, the class names of the dataset and the preprocessing used. */
    public record Report(
            String model,
            String dataset,
            int imageSize,
            List<String> classes,
            Evaluator.Result result,
            Preprocessing preprocessing) {}

    /**
     * timm's {@code validate.py} overrides; null fields keep the checkpoint's or the model's own.
     *
     * @param useEma take the checkpoint's EMA weights when it has them
     */
    public record Options(Double cropPct, Interpolation interpolation, float[] mean, float[] std, boolean useEma) {
        public static final Options DEFAULTS = new Options(null, null, null, null, false);

        Preprocessing apply(Preprocessing p) {
            if (cropPct != null) p = p.withCropPct(cropPct);
            if (interpolation != null) p = p.withInterpolation(interpolation);
            return p.withMeanStd(mean != null ? mean : p.mean(), std != null ? std : p.std());
        }
    }

    public static Report run(
            String modelName, Path weights, String dataset, int imgSize, int batchSize, int workers, int valSubset)
            throws IOException {
        return run(modelName, weights, dataset, imgSize, batchSize, workers, valSubset, Options.DEFAULTS);
    }

    public static Report run(
            String modelName,
            Path weights,
            String dataset,
            int imgSize,
            int batchSize,
            int workers,
            int valSubset,
            Options overrides)
            throws IOException {
        if (weights.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".onnx"))
            return runExported(modelName, weights, dataset, batchSize, workers, valSubset, overrides);
        Optional<Checkpoint.Info> info = Checkpoint.info(weights);
        if (info.isPresent()
                && modelName != null
                && !modelName.equals(info.get().model())) {
            throw new IllegalArgumentException(
                    weights + " holds a " + info.get().model() + " checkpoint, not " + modelName);
        }
        String name = info.map(Checkpoint.Info::model).orElse(modelName);
        if (name == null)
            throw new IllegalArgumentException("--model is required (" + weights + " is not a hybridvit checkpoint)");
        return run(
                ModelRegistry.get(name),
                info,
                null,
                weights,
                dataset,
                imgSize,
                batchSize,
                workers,
                valSubset,
                overrides);
    }

    /**
     * The weights released as {@code tag}, read from {@code weights}, at the tag's input size and
     * preprocessing; a file that does not fit the tag is rejected naming both.
     */
    public static Report run(
            PretrainedTag tag,
            Path weights,
            String dataset,
            int batchSize,
            int workers,
            int valSubset,
            Options overrides)
            throws IOException {
        return run(tag.spec(), Optional.empty(), tag, weights, dataset, 0, batchSize, workers, valSubset, overrides);
    }

    private static Report run(
            ModelSpec spec,
            Optional<Checkpoint.Info> info,
            PretrainedTag tag,
            Path weights,
            String dataset,
            int imgSize,
            int batchSize,
            int workers,
            int valSubset,
            Options overrides)
            throws IOException {
        String name = spec.name();
        int size = info.map(i -> i.options().imageSize(spec)).orElse(imgSize > 0 ? imgSize : spec.defaultImageSize());
        // a folder without train/val is split with the training run's seed, so validation sees the same held-out images
        long seed = info.map(i -> i.extra().get("seed"))
                .filter(Number.class::isInstance)
                .map(n -> ((Number) n).longValue())
                .orElse(0L);
        Preprocessing pre = overrides.apply(
                Preprocessing.of(spec, size, info.map(Checkpoint.Info::extra).orElse(java.util.Map.of())));
        DataSources.Splits data = DataSources.open(dataset, spec, size, seed, 1, valSubset, null, null, pre);
        ModelOptions options = info.map(Checkpoint.Info::options)
                .orElse(ModelOptions.defaults()
                        .withNumClasses(data.classes().size())
                        .withImageSize(size));
        if (tag != null && tag.numClasses() != data.classes().size()) {
            throw new IllegalArgumentException("pretrained " + tag.name() + " has " + tag.numClasses() + " classes, "
                    + data.name() + " has " + data.classes().size());
        }
        if (options.numClasses() != data.classes().size()) {
            throw new IllegalArgumentException(weights + " has " + options.numClasses() + " classes, " + data.name()
                    + " has " + data.classes().size());
        }
        try (VisionModel model = spec.create(options, 0);
                BatchLoader loader =
                        new BatchLoader(data.val(), data.evalTransform(), batchSize, false, false, 0, workers)) {
            WeightsLoader.Result loaded = tag != null
                    ? WeightsLoader.loadPretrained(model, weights, tag)
                    : WeightsLoader.load(
                            model, weights, WeightsLoader.Options.STRICT.withPreferEma(overrides.useEma()));
            if (overrides.useEma())
                loaded.notes().stream().filter(n -> n.contains("EMA")).forEach(n -> System.err.println("note: " + n));
            Evaluator.Result result = Evaluator.evaluate(model, loader);
            if (!data.problemSummary().isEmpty()) System.err.println(data.problemSummary());
            return new Report(name, data.name(), size, data.classes(), result, pre);
        }
    }

    /**
     * An exported model (any precision) in ONNX Runtime on the dataset, preprocessed as for the
     * model it records in its metadata, at its exported size.
     */
    private static Report runExported(
            String modelName, Path onnx, String dataset, int batchSize, int workers, int valSubset, Options overrides)
            throws IOException {
        if (!Files.isRegularFile(onnx)) throw new java.nio.file.NoSuchFileException(onnx.toString());
        try (OnnxPredictor predictor = OnnxPredictor.open(onnx)) {
            String name = predictor.metadata().get("model");
            if (name == null && modelName == null)
                throw new IllegalArgumentException("--model is required (" + onnx + " records no model name)");
            if (name != null && modelName != null && !name.equals(modelName))
                throw new IllegalArgumentException(onnx + " holds an export of " + name + ", not " + modelName);
            ModelSpec spec = ModelRegistry.get(name != null ? name : modelName);
            int size = predictor.height();
            Preprocessing pre = overrides.apply(Preprocessing.of(spec, size));
            DataSources.Splits data = DataSources.open(dataset, spec, size, 0, 1, valSubset, null, null, pre);
            if (predictor.numClasses() != data.classes().size()) {
                throw new IllegalArgumentException(onnx + " has " + predictor.numClasses() + " classes, " + data.name()
                        + " has " + data.classes().size());
            }
            try (BatchLoader loader =
                    new BatchLoader(data.val(), data.evalTransform(), batchSize, false, false, 0, workers)) {
                Evaluator.Result r = Evaluator.evaluate(predictor.numClasses(), loader, batch -> {
                    int[] d = batch.dims();
                    float[][] rows = predictor.predict(
                            java.util.Arrays.copyOf(batch.images(), batch.size() * d[0] * d[1] * d[2]),
                            batch.size(),
                            d[0],
                            d[1],
                            d[2]);
                    float[] flat = new float[rows.length * predictor.numClasses()];
                    for (int i = 0; i < rows.length; i++)
                        System.arraycopy(rows[i], 0, flat, i * predictor.numClasses(), predictor.numClasses());
                    return flat;
                });
                return new Report(spec.name(), data.name(), size, data.classes(), r, pre);
            }
        }
    }
}
