package dev.hybridvit.infer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.hybridvit.data.ImageNetClasses;
import dev.hybridvit.data.Preprocessing;
import dev.hybridvit.export.ExportOptions;
import dev.hybridvit.export.Exporter;
import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.ModelSpec;
import dev.hybridvit.models.PretrainedTag;
import dev.hybridvit.models.VisionModel;
import dev.hybridvit.tensor.Finite;
import dev.hybridvit.weights.Checkpoint;
import dev.hybridvit.weights.WeightsLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Classifies image files with a model and its weights, in eager libtorch or in ONNX Runtime. The
 * preprocessing ({@link Preprocessing}) is the model's, the one a project checkpoint records from
 * training, or the one an exported ONNX file carries in its metadata; class names come from the
 * checkpoint or the ONNX metadata, else the bundled ImageNet-1k names for a 1000-class model,
 * else the labels are the class indices.
 */
public final class Predictor implements AutoCloseable {
    /** One ranked class. */
    public record Prediction(int index, String label, double probability) {}

    /** Where the forward pass runs. */
    public enum Runtime {
        /** eager libtorch through DJL */
        TORCH,
        /** the deploy-form ONNX export in ONNX Runtime */
        ONNX;

        public static Runtime parse(String s) {
            for (Runtime r : values()) if (r.name().equalsIgnoreCase(s)) return r;
            throw new IllegalArgumentException("--runtime must be torch or onnx, got '" + s + "'");
        }
    }

    /** Logits and embeddings (null where the backend has none) for a batch of preprocessed images (N×3×S×S). */
    private interface Backend extends AutoCloseable {
        OnnxPredictor.Outputs run(float[] nchw, int n, int size);

        boolean hasEmbedding();

        @Override
        void close();
    }

    private static final int BATCH = 16;
    private final Backend backend;
    private final Preprocessing preprocessing;
    private final List<String> classNames;
    private final String modelName;
    private final Runtime runtime;

    private Predictor(
            Backend backend, Preprocessing preprocessing, List<String> classNames, String modelName, Runtime runtime) {
        this.backend = backend;
        this.preprocessing = preprocessing;
        this.classNames = classNames;
        this.modelName = modelName;
        this.runtime = runtime;
    }

    /** {@link #open(String, Path, Integer, int, Runtime)} in eager libtorch. */
    public static Predictor open(String modelName, Path weights, Integer numClasses, int imgSize) throws IOException {
        return open(modelName, weights, numClasses, imgSize, Runtime.TORCH);
    }

    /**
     * A predictor for {@code weights}:
     * <ul>
     * <li>an exported {@code .onnx} file runs in ONNX Runtime with the preprocessing and class names
     *     of its metadata ({@code modelName} may be null; if given it must match; {@code runtime}
     *     must be null or ONNX);</li>
     * <li>a project checkpoint rebuilds its model with the recorded class count, size,
     *     preprocessing and class names;</li>
     * <li>other weights load into {@code modelName} built with {@code numClasses} (default 1000)
     *     and {@code imgSize} (0: native).</li>
     * </ul>
     * With {@code runtime} ONNX, a model built here is exported in its deploy form to a temporary
     * file that ORT loads (the file is deleted once the session holds it).
     *
     * @param runtime TORCH, ONNX, or null: ONNX for an {@code .onnx} file, TORCH otherwise
     */
    public static Predictor open(String modelName, Path weights, Integer numClasses, int imgSize, Runtime runtime)
            throws IOException {
        return open(modelName, weights, numClasses, imgSize, runtime, 0);
    }

    /** {@link #open(String, Path, Integer, int, Runtime)} with {@code threads} ORT intra-op threads (0: one per core). */
    public static Predictor open(
            String modelName, Path weights, Integer numClasses, int imgSize, Runtime runtime, int threads)
            throws IOException {
        OnnxPredictor.Options ort = OnnxPredictor.Options.defaults().withThreads(threads);
        if (isOnnx(weights)) {
            if (runtime == Runtime.TORCH) {
                throw new IllegalArgumentException(weights + " is an ONNX model: it runs only with --runtime onnx");
            }
            return openOnnxFile(modelName, weights, ort);
        }
        Optional<Checkpoint.Info> info = Checkpoint.info(weights);
        if (info.isPresent()
                && modelName != null
                && !modelName.equals(info.get().model())) {
            throw new IllegalArgumentException(
                    weights + " holds a " + info.get().model() + " checkpoint, not " + modelName);
        }
        String name = info.map(Checkpoint.Info::model).orElse(modelName);
        if (name == null)
            throw new IllegalArgumentException("name the model (" + weights + " is not a hybridvit checkpoint)");
        ModelSpec spec = ModelRegistry.get(name);
        ModelOptions options = info.map(Checkpoint.Info::options)
                .orElseGet(() -> ModelOptions.defaults()
                        .withNumClasses(numClasses == null ? 1000 : numClasses)
                        .withImageSize(imgSize));
        VisionModel model = spec.create(options, 0);
        try {
            WeightsLoader.load(model, weights, WeightsLoader.Options.STRICT);
            Preprocessing pre = Preprocessing.of(
                    spec, model.imageSize(), info.map(Checkpoint.Info::extra).orElse(Map.of()));
            return withBackend(model, pre, info.map(Checkpoint.Info::classNames).orElse(List.of()), runtime, ort);
        } catch (IOException | RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /**
     * A predictor for the weights released as {@code tag} (read from {@code weights}, never
     * downloaded), with the tag's input size and preprocessing; a file that does not fit the tag is
     * rejected naming both.
     *
     * @param runtime TORCH, ONNX, or null (TORCH)
     */
    public static Predictor open(PretrainedTag tag, Path weights, Runtime runtime) throws IOException {
        if (isOnnx(weights))
            throw new IllegalArgumentException(weights
                    + " is an exported model: it carries its own preprocessing, a pretrained tag applies to weights");
        ModelSpec spec = tag.spec();
        VisionModel model = spec.create(
                ModelOptions.defaults()
                        .withNumClasses(tag.numClasses())
                        .withImageSize(tag.data().imageSize()),
                0);
        try {
            WeightsLoader.loadPretrained(model, weights, tag);
            return withBackend(
                    model, Preprocessing.of(tag.data()), List.of(), runtime, OnnxPredictor.Options.defaults());
        } catch (IOException | RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** Takes ownership of {@code model}: runs it eagerly, or exports it for ORT and closes it. */
    private static Predictor withBackend(
            VisionModel model, Preprocessing pre, List<String> names, Runtime runtime, OnnxPredictor.Options ort)
            throws IOException {
        if (names.isEmpty()) names = ImageNetClasses.defaultFor(model.numClasses());
        String name = model.spec().name();
        if (runtime == Runtime.ONNX) {
            Backend onnx = exportToOrt(model, names, pre, ort);
            model.close();
            return new Predictor(onnx, pre, names, name, Runtime.ONNX);
        }
        return new Predictor(torch(model), pre, names, name, Runtime.TORCH);
    }

    /** An exported model is recognised by its {@code .onnx} extension. */
    static boolean isOnnx(Path file) {
        return file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".onnx");
    }

    private static Predictor openOnnxFile(String modelName, Path file, OnnxPredictor.Options ort) {
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException("no such file: " + file);
        OnnxPredictor p = OnnxPredictor.open(file, ort);
        try {
            Map<String, String> meta = p.metadata();
            String name = meta.getOrDefault("model", modelName);
            if (modelName != null && meta.containsKey("model") && !modelName.equals(meta.get("model"))) {
                throw new IllegalArgumentException(
                        file + " holds an exported " + meta.get("model") + ", not " + modelName);
            }
            Preprocessing pre = meta.containsKey("image_size")
                    ? Preprocessing.fromMetadata(meta, file.toString())
                    : new Preprocessing(p.height(), 0.875, true, ModelSpec.IMAGENET_MEAN, ModelSpec.IMAGENET_STD);
            if (pre.size() != p.height() || pre.size() != p.width()) {
                throw new IllegalArgumentException(file + ": metadata says " + pre.size() + " px, the graph takes "
                        + p.height() + "×" + p.width());
            }
            List<String> names = Exporter.classNames(meta);
            if (names.isEmpty()) names = ImageNetClasses.defaultFor(p.numClasses());
            if (names.size() != p.numClasses() && !names.isEmpty()) {
                throw new IllegalArgumentException(
                        file + ": " + names.size() + " class names for " + p.numClasses() + " outputs");
            }
            return new Predictor(
                    onnx(p), pre, names, name == null ? file.getFileName().toString() : name, Runtime.ONNX);
        } catch (RuntimeException e) {
            p.close();
            throw e;
        }
    }

    /** Deploy-form export of {@code model} to a temporary file, loaded into an ORT session. */
    private static Backend exportToOrt(
            VisionModel model, List<String> names, Preprocessing pre, OnnxPredictor.Options ort) throws IOException {
        Path file = Files.createTempFile("hybridvit-predict-", ".onnx");
        try {
            Exporter.export(
                    model,
                    file,
                    ExportOptions.defaults()
                            .withDeploy(true)
                            .withDynamicBatch()
                            .withEmbedding(true)
                            .withClassNames(names)
                            .withPreprocessing(pre));
            return onnx(OnnxPredictor.open(file, ort));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static Backend onnx(OnnxPredictor p) {
        return new Backend() {
            @Override
            public OnnxPredictor.Outputs run(float[] nchw, int n, int size) {
                return p.run(nchw, n, 3, size, size);
            }

            @Override
            public boolean hasEmbedding() {
                return p.hasEmbedding();
            }

            @Override
            public void close() {
                p.close();
            }
        };
    }

    private static Backend torch(VisionModel model) {
        return new Backend() {
            @Override
            public OnnxPredictor.Outputs run(float[] nchw, int n, int size) {
                Finite.require(nchw, new long[] {n, 3, size, size}, "input");
                try (NDManager scope = model.manager().newSubManager()) {
                    NDArray[] out = model.predictWithEmbedding(scope.create(nchw, new Shape(n, 3, size, size)));
                    return new OnnxPredictor.Outputs(rows(out[0].toFloatArray(), n), rows(out[1].toFloatArray(), n));
                }
            }

            @Override
            public boolean hasEmbedding() {
                return true;
            }

            @Override
            public void close() {
                model.close();
            }
        };
    }

    private static float[][] rows(float[] flat, int n) {
        float[][] rows = new float[n][];
        int k = flat.length / n;
        for (int i = 0; i < n; i++) rows[i] = Arrays.copyOfRange(flat, i * k, (i + 1) * k);
        return rows;
    }

    /** Whether embeddings are available: always for a model built here, for an ONNX file if exported with them. */
    public boolean hasEmbedding() {
        return backend.hasEmbedding();
    }

    public List<String> classNames() {
        return classNames;
    }

    public Preprocessing preprocessing() {
        return preprocessing;
    }

    /** The registered model name (for an ONNX file: its metadata's, else the file name). */
    public String modelName() {
        return modelName;
    }

    public Runtime runtime() {
        return runtime;
    }

    /** The model input for {@code image}: 3×size×size, normalised. */
    public float[] preprocess(Path image) throws IOException {
        return preprocessing.apply(image);
    }

    /** Logits for preprocessed images (each 3×size×size), one row per image; runs in batches of {@value #BATCH}. */
    public float[][] logits(List<float[]> inputs) {
        return outputs(inputs, BATCH).logits();
    }

    /**
     * Logits and embeddings (null when an ONNX file has no embedding output) for preprocessed images,
     * run in batches of at most {@code maxBatch}.
     */
    public OnnxPredictor.Outputs outputs(List<float[]> inputs, int maxBatch) {
        int size = preprocessing.size(), per = 3 * size * size;
        float[][] logits = new float[inputs.size()][], embeddings = new float[inputs.size()][];
        boolean withEmbeddings = true;
        for (int start = 0; start < inputs.size(); start += maxBatch) {
            int n = Math.min(maxBatch, inputs.size() - start);
            float[] batch = new float[n * per];
            for (int i = 0; i < n; i++) System.arraycopy(inputs.get(start + i), 0, batch, i * per, per);
            OnnxPredictor.Outputs out = backend.run(batch, n, size);
            System.arraycopy(out.logits(), 0, logits, start, n);
            if (out.embeddings() == null) withEmbeddings = false;
            else System.arraycopy(out.embeddings(), 0, embeddings, start, n);
        }
        return new OnnxPredictor.Outputs(logits, withEmbeddings ? embeddings : null);
    }

    /** The {@code topk} most probable classes for each image (all images are decoded first, so a bad file fails early). */
    public List<List<Prediction>> predict(List<Path> images, int topk) throws IOException {
        List<float[]> inputs = new ArrayList<>();
        for (Path p : images) inputs.add(preprocess(p));
        List<List<Prediction>> out = new ArrayList<>();
        for (float[] logits : logits(inputs)) out.add(top(logits, topk));
        return out;
    }

    /** The {@code topk} most probable classes for one row of logits. */
    public List<Prediction> top(float[] logits, int topk) {
        return top(softmax(logits), topk);
    }

    /** Softmax in double precision (max-subtracted). */
    static double[] softmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (float v : logits) max = Math.max(max, v);
        double[] p = new double[logits.length];
        for (int i = 0; i < p.length; i++) sum += p[i] = Math.exp(logits[i] - max);
        for (int i = 0; i < p.length; i++) p[i] /= sum;
        return p;
    }

    private List<Prediction> top(double[] p, int topk) {
        Integer[] order = new Integer[p.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Double.compare(p[b], p[a]));
        List<Prediction> top = new ArrayList<>();
        for (int i = 0; i < Math.min(topk, p.length); i++) {
            int c = order[i];
            top.add(new Prediction(c, classNames.isEmpty() ? Integer.toString(c) : classNames.get(c), p[c]));
        }
        return top;
    }

    @Override
    public void close() {
        backend.close();
    }
}
