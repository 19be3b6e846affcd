package dev.hybridvit.infer;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.hybridvit.tensor.Finite;
import dev.hybridvit.tensor.Printable;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Inference on an exported model in ONNX Runtime — the deployment path. The session is built
 * once (graph optimisation level ALL, {@code intraOpThreads} threads, default one per core) and
 * shared: {@link #predict} may be called from several threads at once. Inputs are validated
 * against the model's N×3×H×W signature; a batch larger than a fixed exported batch is split,
 * a smaller or ragged one is zero-padded (the padding rows are dropped from the result).
 *
 * <p>NaN policy ({@link Finite}, the same as the libtorch path): inputs containing NaN or ±Inf are
 * refused with an {@link IllegalArgumentException} naming the first offending position, unless
 * the options allow them. Close the predictor to free the native session.
 */
public final class OnnxPredictor implements AutoCloseable {
    /** Bounds on the signature a model file may declare (one fixed batch must fit the heap). */
    private static final long MAX_SIDE = 8192, MAX_BATCH = 4096, MAX_CLASSES = 1_000_000;

    private final OrtEnvironment env;
    private final OrtSession session;
    private final String inputName, outputName;
    /** The optional second output's name ({@code embedding}), or null. */
    private final String embeddingName;

    private final long[] inputShape;
    private final int classes;
    private final int threads;
    private final boolean allowNonFinite;

    /** Name of the optional embedding output (as {@code Exporter.EMBEDDING} writes it). */
    public static final String EMBEDDING = "embedding";

    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    private boolean closed;

    /**
     * Session settings.
     *
     * @param intraOpThreads threads per inference, 0 = one per available core
     * @param profilePrefix  file prefix for ORT's JSON profile (null = profiling off)
     * @param allowNonFinite pass NaN/Inf inputs to the model instead of refusing them
     */
    public record Options(int intraOpThreads, String profilePrefix, boolean allowNonFinite) {
        public static Options defaults() {
            return new Options(0, null, false);
        }

        public Options withThreads(int n) {
            return new Options(n, profilePrefix, allowNonFinite);
        }

        public Options withProfiling(String prefix) {
            return new Options(intraOpThreads, prefix, allowNonFinite);
        }

        /** Lets NaN and infinite inputs through instead of refusing them ({@link Finite}). */
        public Options withNonFiniteAllowed(boolean allow) {
            return new Options(intraOpThreads, profilePrefix, allow);
        }
    }

    private OnnxPredictor(Path file, OrtSession session, OrtEnvironment env, int threads, boolean allowNonFinite)
            throws OrtException {
        this.allowNonFinite = allowNonFinite;
        this.env = env;
        this.session = session;
        this.threads = threads;
        var outputs = session.getOutputNames();
        if (session.getNumInputs() != 1 || outputs.isEmpty()) {
            throw new IllegalArgumentException(
                    Printable.escape(file + ": expected a model with one input and at least one output, got "
                            + session.getInputNames() + " → " + outputs));
        }
        this.inputName = session.getInputNames().iterator().next();
        this.outputName =
                outputs.stream().filter(o -> !o.equals(EMBEDDING)).findFirst().orElseThrow();
        this.embeddingName = outputs.contains(EMBEDDING) ? EMBEDDING : null;
        NodeInfo in = session.getInputInfo().get(inputName);
        NodeInfo outInfo = session.getOutputInfo().get(outputName);
        if (!(in.getInfo() instanceof TensorInfo inTensor) || !(outInfo.getInfo() instanceof TensorInfo outTensor)) {
            throw new IllegalArgumentException(file + ": the model's input and output are not tensors");
        }
        this.inputShape = inTensor.getShape();
        if (inputShape.length != 4
                || inputShape[1] != 3
                || inputShape[2] < 1
                || inputShape[3] < 1
                || inputShape[2] > MAX_SIDE
                || inputShape[3] > MAX_SIDE
                || inputShape[0] > MAX_BATCH) {
            throw new IllegalArgumentException(file + ": the model input is " + Arrays.toString(inputShape)
                    + " (expected N×3×H×W with a fixed H and W from 1 to " + MAX_SIDE + " and N dynamic or at most "
                    + MAX_BATCH + ")");
        }
        long[] out = outTensor.getShape();
        long classCount = out.length == 4 ? out[1] : out.length == 0 ? 0 : out[out.length - 1];
        if (classCount < 1 || classCount > MAX_CLASSES) {
            throw new IllegalArgumentException(file + ": the model output is " + Arrays.toString(out)
                    + " (expected N×classes or N×classes×H×W with a fixed class count from 1 to " + MAX_CLASSES
                    + ")");
        }
        // N×K logits, or a segmentation model's N×K×H×W
        this.classes = (int) (out.length == 4 ? out[1] : out[out.length - 1]);
    }

    /** Opens an exported model file with default options. */
    public static OnnxPredictor open(Path model) {
        return open(model, Options.defaults());
    }

    public static OnnxPredictor open(Path model, Options options) {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        int threads = options.intraOpThreads() > 0
                ? options.intraOpThreads()
                : Runtime.getRuntime().availableProcessors();
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            so.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            so.setIntraOpNumThreads(threads);
            so.setInterOpNumThreads(1);
            if (options.profilePrefix() != null) so.enableProfiling(options.profilePrefix());
            return new OnnxPredictor(
                    model, env.createSession(model.toString(), so), env, threads, options.allowNonFinite());
        } catch (OrtException e) {
            throw new IllegalArgumentException(
                    Printable.escape(model + ": cannot load the ONNX model (" + e.getMessage() + ")"), e);
        }
    }

    /** Fixed batch size of the model's input, or 0 when the batch axis is dynamic. */
    public int exportedBatch() {
        return inputShape[0] < 0 ? 0 : (int) inputShape[0];
    }

    public int height() {
        return (int) inputShape[2];
    }

    public int width() {
        return (int) inputShape[3];
    }

    public int numClasses() {
        return classes;
    }

    public int threads() {
        return threads;
    }

    /** The model's metadata ({@code model}, {@code image_size}, {@code mean}, {@code std}, ...). */
    public Map<String, String> metadata() {
        try {
            return Collections.unmodifiableMap(session.getMetadata().getCustomMetadata());
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether the graph has the second output {@value #EMBEDDING} (pooled features). */
    public boolean hasEmbedding() {
        return embeddingName != null;
    }

    /** Logits and, where the graph has them, embeddings of a batch (rows per image; embeddings null otherwise). */
    public record Outputs(float[][] logits, float[][] embeddings) {}

    /**
     * Logits for a batch of images.
     *
     * @param nchw  row-major float32 data of shape {@code shape}
     * @param shape N×3×H×W with H×W equal to the exported size
     * @return N rows of {@link #numClasses()} logits (of K×H×W for a segmentation model)
     */
    public float[][] predict(float[] nchw, long... shape) {
        return run(nchw, shape).logits();
    }

    /** {@link #predict} with the embedding output too (null when the graph has none). */
    public Outputs run(float[] nchw, long... shape) {
        validate(nchw, shape);
        int n = (int) shape[0];
        int per = nchw.length / n;
        int chunk = exportedBatch() == 0 ? n : exportedBatch();
        float[][] out = new float[n][];
        float[][] emb = hasEmbedding() ? new float[n][] : null;
        lock.readLock().lock();
        try {
            if (closed) throw new IllegalStateException("predictor is closed");
            for (int start = 0; start < n; start += chunk) {
                int rows = Math.min(chunk, n - start);
                float[] part;
                if (rows == chunk && chunk == n) {
                    part = nchw;
                } else {
                    part = new float[chunk * per]; // zero padding beyond `rows`
                    System.arraycopy(nchw, start * per, part, 0, rows * per);
                }
                float[][] flat = runOnce(part, new long[] {chunk, 3, shape[2], shape[3]});
                split(flat[0], chunk, out, start, rows);
                if (emb != null) split(flat[1], chunk, emb, start, rows);
            }
        } finally {
            lock.readLock().unlock();
        }
        return new Outputs(out, emb);
    }

    /** The first {@code rows} of the {@code chunk} rows of a flat batch output into {@code into[start..]}. */
    private static void split(float[] flat, int chunk, float[][] into, int start, int rows) {
        int per = flat.length / chunk;
        for (int r = 0; r < rows; r++) into[start + r] = Arrays.copyOfRange(flat, r * per, (r + 1) * per);
    }

    private static float[] floats(OnnxValue value) {
        FloatBuffer fb = ((OnnxTensor) value).getFloatBuffer();
        float[] out = new float[fb.remaining()];
        fb.get(out);
        return out;
    }

    /** A named output of {@link #outputs}: row-major data and shape. */
    public record Output(float[] data, long[] shape) {}

    /**
     * Every output of the graph (a features export's {@code stage0} …) for one batch, in the
     * graph's output order; the batch must be the exported one unless the batch axis is dynamic.
     */
    public Map<String, Output> outputs(float[] nchw, long... shape) {
        validate(nchw, shape);
        if (exportedBatch() != 0 && shape[0] != exportedBatch()) {
            throw new IllegalArgumentException(
                    "batch " + shape[0] + " does not match the exported batch " + exportedBatch());
        }
        lock.readLock().lock();
        try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(nchw), shape);
                OrtSession.Result r = session.run(Map.of(inputName, t))) {
            if (closed) throw new IllegalStateException("predictor is closed");
            Map<String, Output> out = new java.util.LinkedHashMap<>();
            for (Map.Entry<String, ai.onnxruntime.OnnxValue> e : r) {
                OnnxTensor v = (OnnxTensor) e.getValue();
                FloatBuffer fb = v.getFloatBuffer();
                float[] data = new float[fb.remaining()];
                fb.get(data);
                out.put(e.getKey(), new Output(data, v.getInfo().getShape()));
            }
            return out;
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed: " + e.getMessage(), e);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** One session run on exactly the exported signature; returns the flat outputs (logits, then embedding). */
    private float[][] runOnce(float[] data, long[] shape) {
        try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(data), shape);
                OrtSession.Result r = session.run(Map.of(inputName, t))) {
            float[][] out = new float[embeddingName == null ? 1 : 2][];
            out[0] = floats(r.get(outputName).orElseThrow());
            if (embeddingName != null) out[1] = floats(r.get(embeddingName).orElseThrow());
            return out;
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed: " + e.getMessage(), e);
        }
    }

    private void validate(float[] data, long[] shape) {
        String expected = (exportedBatch() == 0 ? "N" : "N (any; split into batches of " + exportedBatch() + ")")
                + "×3×" + height() + "×" + width();
        if (shape.length != 4 || shape[0] < 1 || shape[1] != 3 || shape[2] != height() || shape[3] != width()) {
            throw new IllegalArgumentException(
                    "input shape " + Arrays.toString(shape) + " does not match the model: expected " + expected);
        }
        long size = shape[0] * shape[1] * shape[2] * shape[3];
        if (data.length != size) {
            throw new IllegalArgumentException(
                    "input has " + data.length + " values but shape " + Arrays.toString(shape) + " needs " + size);
        }
        if (!allowNonFinite) Finite.require(data, shape, "input");
    }

    /** Ends ORT profiling (when enabled) and returns the profile file's name. */
    public String endProfiling() {
        try {
            return session.endProfiling();
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Frees the native session; waits for running predictions. */
    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (closed) return;
            closed = true;
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        } finally {
            lock.writeLock().unlock();
        }
    }
}
