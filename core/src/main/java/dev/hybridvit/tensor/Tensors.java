package dev.hybridvit.tensor;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import java.util.function.Function;

/**
 * The one seam to DJL's array engine: managers, scoping and host copies. Nothing model-specific.
 *
 * <p>Memory rule of the project: every array lives in an {@link NDManager}; a forward pass or a
 * training step runs in a child manager that is closed when the step ends, so intermediate
 * activations never outlive the step (see {@link #scoped}).
 */
public final class Tensors {
    static {
        NativeRuntime.configure();
    }

    private Tensors() {}

    /** A new root manager on the CPU with the PyTorch engine. */
    public static NDManager newManager() {
        return NDManager.newBaseManager(Device.cpu(), "PyTorch");
    }

    /** A gradient collector of the PyTorch engine (records the forward for one backward pass). */
    public static GradientCollector newGradientCollector() {
        return Engine.getEngine("PyTorch").newGradientCollector();
    }

    /** Clears {@code w}'s accumulated gradient in place (libtorch accumulates across backward passes). */
    public static void zeroGradient(NDArray w) {
        JniUtils.zeroGrad((PtNDArray) w);
    }

    /** Seeds libtorch's generator (parameter initialisation, dropout, drop-path). */
    public static void seed(long seed) {
        Engine.getEngine("PyTorch").setRandomSeed((int) seed);
    }

    /**
     * Runs {@code step} on {@code input} inside a child manager of the input's manager: every
     * array the step creates is freed when it returns, except its result, which is moved to the
     * input's manager.
     */
    public static NDArray scoped(NDArray input, Function<NDArray, NDArray> step) {
        NDManager owner = input.getManager();
        try (NDManager scope = owner.newSubManager()) {
            input.tempAttach(scope);
            NDArray out = step.apply(input);
            out.attach(owner);
            return out;
        }
    }

    /** Intra-op threads of libtorch (eager kernels). */
    public static void setThreads(int threads) {
        Engine.getEngine("PyTorch");
        ai.djl.pytorch.jni.JniUtils.setNumThreads(threads);
    }

    public static int threads() {
        Engine.getEngine("PyTorch");
        return ai.djl.pytorch.jni.JniUtils.getNumThreads();
    }

    /** "DJL x / libtorch y". */
    public static String engineVersion() {
        return "DJL " + Engine.getDjlVersion() + " / libtorch "
                + Engine.getEngine("PyTorch").getVersion();
    }

    public static NDArray fromFloats(NDManager manager, float[] data, long... shape) {
        Shape s = new Shape(shape);
        if (s.size() != data.length) {
            throw new IllegalArgumentException(
                    "data has " + data.length + " values but shape " + s + " needs " + s.size());
        }
        return manager.create(data, s);
    }

    /**
     * An N×C×H×W batch from host NCHW data, stored channels-last (NHWC memory, an N×C×H×W view):
     * libtorch's oneDNN convolutions then run in channels-last format, and their outputs and
     * gradients stay in it through the network. Same values, faster train steps (docs/training.md).
     */
    public static NDArray channelsLast(
            NDManager manager, float[] nchw, int batch, int channels, int height, int width) {
        int plane = height * width;
        if (nchw.length != batch * channels * plane) {
            throw new IllegalArgumentException("data has " + nchw.length + " values, " + batch + "×" + channels + "×"
                    + height + "×" + width + " needs " + batch * channels * plane);
        }
        float[] nhwc = new float[nchw.length];
        for (int n = 0; n < batch; n++) {
            for (int c = 0; c < channels; c++) {
                int from = (n * channels + c) * plane, to = n * channels * plane + c;
                for (int p = 0; p < plane; p++) nhwc[to + p * channels] = nchw[from + p];
            }
        }
        return manager.create(nhwc, new Shape(batch, height, width, channels)).transpose(0, 3, 1, 2);
    }

    public static float[] toFloats(NDArray a) {
        return a.getDataType() == DataType.FLOAT32
                ? a.toFloatArray()
                : a.toType(DataType.FLOAT32, false).toFloatArray();
    }

    /** Rows (e.g. one logit vector per image) laid end to end. */
    public static float[] flatten(float[][] rows) {
        int n = 0;
        for (float[] r : rows) n += r.length;
        float[] out = new float[n];
        int at = 0;
        for (float[] r : rows) {
            System.arraycopy(r, 0, out, at, r.length);
            at += r.length;
        }
        return out;
    }

    /** Max |a-b| over all elements (host side; for checks and tests). */
    public static double maxAbsDiff(float[] a, float[] b) {
        if (a.length != b.length) throw new IllegalArgumentException("length " + a.length + " vs " + b.length);
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs((double) a[i] - b[i]));
        return m;
    }

    public static double maxAbs(float[] a) {
        double m = 0;
        for (float v : a) m = Math.max(m, Math.abs(v));
        return m;
    }
}
