package dev.hybridvit.profile;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.Map;

/**
 * An ONNX Runtime session over an in-memory graph with one float32 input of any shape, fed the
 * same tensor on every {@link #run} (what timing needs; {@code deploy.OnnxPredictor} is the
 * image-model API). Session settings as the predictor's: optimisation level ALL, sequential,
 * {@code threads} intra-op threads, one inter-op thread.
 */
final class OrtRunner implements AutoCloseable {
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;
    private final OnnxTensor input;
    private final String inputName;

    OrtRunner(byte[] model, int threads, float[] data, long... shape) {
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            so.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            so.setIntraOpNumThreads(threads);
            so.setInterOpNumThreads(1);
            session = env.createSession(model, so);
            inputName = session.getInputNames().iterator().next();
            input = OnnxTensor.createTensor(env, FloatBuffer.wrap(data), shape);
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime cannot load the graph: " + e.getMessage(), e);
        }
    }

    /** One inference; the result is discarded. */
    void run() {
        try (OrtSession.Result r = session.run(Map.of(inputName, input))) {
            r.get(0);
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed: " + e.getMessage(), e);
        }
    }

    /** One inference; the first output, flattened. */
    float[] output() {
        try (OrtSession.Result r = session.run(Map.of(inputName, input))) {
            FloatBuffer fb = ((OnnxTensor) r.get(0)).getFloatBuffer();
            float[] out = new float[fb.remaining()];
            fb.get(out);
            return out;
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        input.close();
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        }
    }
}
