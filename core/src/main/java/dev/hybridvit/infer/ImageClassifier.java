package dev.hybridvit.infer;

import dev.hybridvit.data.ImageFiles;
import dev.hybridvit.data.Preprocessing;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An image classifier for applications: built once with {@link #builder()}, then fed image files,
 * decoded images, encoded bytes or streams, one at a time or in batches, returning the top-k
 * classes and optionally the image embedding (the pooled features the classifier reads). Thread-safe;
 * a batch is run as one forward pass of up to {@link Builder#maxBatch} images.
 *
 * <pre>{@code
 * try (ImageClassifier classifier = ImageClassifier.builder()
 *         .model("nextvit_small").weights(Path.of("nextvit_small.safetensors"))
 *         .runtime(Predictor.Runtime.ONNX).threads(2).topK(5).embeddings(true).build()) {
 *     ImageClassifier.Result r = classifier.classify(Path.of("cat.jpg"));
 * }
 * }</pre>
 */
public final class ImageClassifier implements AutoCloseable {
    /** The top-k classes of one image, most probable first, and its embedding (null where the model has none). */
    public record Result(List<Predictor.Prediction> top, float[] embedding) {}

    private final Predictor predictor;
    private final int topK, maxBatch;

    private ImageClassifier(Predictor predictor, int topK, int maxBatch) {
        this.predictor = predictor;
        this.topK = topK;
        this.maxBatch = maxBatch;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Settings of an {@link ImageClassifier}; only {@link #weights} is required. */
    public static final class Builder {
        private String model;
        private Path weights;
        private Predictor.Runtime runtime;
        private int threads, topK = 5, maxBatch = 16, numClasses, imageSize;
        private boolean embeddings;

        private Builder() {}

        /** A registered model name; optional for a project checkpoint or an exported {@code .onnx} (they name theirs). */
        public Builder model(String name) {
            this.model = name;
            return this;
        }

        /** Weights ({@code .safetensors}, {@code .pth}, {@code .npz}, a project checkpoint) or an exported {@code .onnx}. */
        public Builder weights(Path file) {
            this.weights = file;
            return this;
        }

        /** TORCH (eager libtorch) or ONNX (ONNX Runtime); default: ONNX for an {@code .onnx} file, TORCH otherwise. */
        public Builder runtime(Predictor.Runtime r) {
            this.runtime = r;
            return this;
        }

        /** ONNX Runtime intra-op threads (0, the default: one per core). */
        public Builder threads(int n) {
            this.threads = requireNonNegative(n, "threads");
            return this;
        }

        /** How many classes each result lists (default 5). */
        public Builder topK(int k) {
            if (k < 1) throw new IllegalArgumentException("topK must be at least 1, got " + k);
            this.topK = k;
            return this;
        }

        /**
         * Require embeddings: {@link #build} fails if the model cannot give them (an {@code .onnx}
         * file exported without its {@code embedding} output). Otherwise results carry them where available.
         */
        public Builder embeddings(boolean e) {
            this.embeddings = e;
            return this;
        }

        /** Most images per forward pass (default 16). */
        public Builder maxBatch(int n) {
            if (n < 1) throw new IllegalArgumentException("maxBatch must be at least 1, got " + n);
            this.maxBatch = n;
            return this;
        }

        /** Classes of plain weights (default 1000; a checkpoint or ONNX file knows its own). */
        public Builder numClasses(int n) {
            this.numClasses = requireNonNegative(n, "numClasses");
            return this;
        }

        /** Input size for plain weights (default 0: the model's native size). */
        public Builder imageSize(int px) {
            this.imageSize = requireNonNegative(px, "imageSize");
            return this;
        }

        public ImageClassifier build() throws IOException {
            Objects.requireNonNull(weights, "weights");
            Predictor p =
                    Predictor.open(model, weights, numClasses > 0 ? numClasses : null, imageSize, runtime, threads);
            if (embeddings && !p.hasEmbedding()) {
                p.close();
                throw new IllegalArgumentException(
                        weights + " has no embedding output: export it with --embedding to get embeddings");
            }
            return new ImageClassifier(p, topK, maxBatch);
        }

        private static int requireNonNegative(int n, String what) {
            if (n < 0) throw new IllegalArgumentException(what + " must not be negative, got " + n);
            return n;
        }
    }

    public Result classify(Path image) throws IOException {
        return classifyTensors(List.of(predictor.preprocess(image))).get(0);
    }

    public Result classify(BufferedImage image) {
        return classifyTensors(List.of(predictor.preprocessing().apply(image))).get(0);
    }

    /** An encoded image (JPEG, PNG, BMP, GIF) in memory. */
    public Result classify(byte[] encoded) throws IOException {
        return classifyTensors(List.of(preprocess(encoded, "image"))).get(0);
    }

    /** An encoded image read to its end (the stream is not closed). */
    public Result classify(InputStream encoded) throws IOException {
        return classify(encoded.readAllBytes());
    }

    /** Image files as one batch (every file is decoded first, so a bad one fails before any forward pass). */
    public List<Result> classifyPaths(List<Path> images) throws IOException {
        List<float[]> inputs = new ArrayList<>();
        for (Path p : images) inputs.add(predictor.preprocess(p));
        return classifyTensors(inputs);
    }

    public List<Result> classifyImages(List<BufferedImage> images) {
        return classifyTensors(
                images.stream().map(predictor.preprocessing()::apply).toList());
    }

    /** Encoded images as one batch; errors name the image by its index. */
    public List<Result> classifyBytes(List<byte[]> images) throws IOException {
        List<float[]> inputs = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) inputs.add(preprocess(images.get(i), "image " + i));
        return classifyTensors(inputs);
    }

    /**
     * Decodes and preprocesses an encoded image: the model input (3×S×S). A non-image, truncated or
     * oversized ({@link dev.hybridvit.data.ImageLimits#maxPixels()}) one is an {@link ImageFiles.UnreadableImageException}
     * naming {@code source} and the reason.
     */
    public float[] preprocess(byte[] encoded, String source) throws IOException {
        return predictor.preprocessing().apply(ImageFiles.decode(encoded, source));
    }

    /** Results for preprocessed inputs ({@link #preprocess}), run in forward passes of up to {@code maxBatch}. */
    public List<Result> classifyTensors(List<float[]> inputs) {
        int per =
                3 * predictor.preprocessing().size() * predictor.preprocessing().size();
        for (float[] x : inputs) {
            if (x.length != per)
                throw new IllegalArgumentException("input has " + x.length + " values, the model takes " + per);
        }
        OnnxPredictor.Outputs out = predictor.outputs(inputs, maxBatch);
        List<Result> results = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            results.add(new Result(
                    predictor.top(out.logits()[i], topK), out.embeddings() == null ? null : out.embeddings()[i]));
        }
        return results;
    }

    public String modelName() {
        return predictor.modelName();
    }

    public Predictor.Runtime runtime() {
        return predictor.runtime();
    }

    public Preprocessing preprocessing() {
        return predictor.preprocessing();
    }

    public List<String> classNames() {
        return predictor.classNames();
    }

    public int topK() {
        return topK;
    }

    /** Whether results carry embeddings (always for a model built here; for an ONNX file if exported with them). */
    public boolean hasEmbedding() {
        return predictor.hasEmbedding();
    }

    /** Most images per forward pass. */
    public int maxBatch() {
        return maxBatch;
    }

    @Override
    public void close() {
        predictor.close();
    }
}
