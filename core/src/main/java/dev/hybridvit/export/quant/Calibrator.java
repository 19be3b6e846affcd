package dev.hybridvit.export.quant;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntConsumer;

/**
 * Post-training calibration: runs the float graph in ONNX Runtime (unoptimised, so every tensor
 * keeps its name) with the tensors to be quantized as extra outputs, and turns the values they
 * take on the calibration images into one range per tensor. Minmax needs one pass; percentile and
 * entropy make a second pass that fills a 2048-bin histogram per tensor (over [min, max] and over
 * [0, max |x|]) and pick the range from it.
 */
final class Calibrator {
    static final int BINS = 2048;

    /** The real-valued range an activation is quantized over; always contains 0. */
    record Range(float min, float max) {
        Range {
            min = Math.min(min, 0f);
            max = Math.max(max, 0f);
        }
    }

    private Calibrator() {}

    /**
     * @param images  3×H×W float32 images, normalised as the model expects
     * @param onImage called after each image of each pass (a progress count)
     */
    static Map<String, Range> calibrate(
            ModelProto model,
            Collection<String> tensors,
            List<float[]> images,
            QuantOptions options,
            IntConsumer onImage) {
        if (images.isEmpty()) throw new IllegalArgumentException("no calibration images");
        List<String> names = List.copyOf(tensors);
        Stats[] stats = new Stats[names.size()];
        for (int i = 0; i < stats.length; i++) stats[i] = new Stats();
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
            try (OrtSession session =
                    env.createSession(withOutputs(model, names).toByteArray(), so)) {
                run(env, session, model, names, images, onImage, (i, v) -> stats[i].observe(v));
                if (options.method() != CalibrationMethod.MINMAX) {
                    for (Stats s : stats) s.startHistograms();
                    run(env, session, model, names, images, onImage, (i, v) -> stats[i].histogram(v));
                }
            }
        } catch (OrtException e) {
            throw new IllegalStateException("calibration run failed in ONNX Runtime: " + e.getMessage(), e);
        }
        Map<String, Range> ranges = new LinkedHashMap<>();
        for (int i = 0; i < stats.length; i++) ranges.put(names.get(i), stats[i].range(options));
        return ranges;
    }

    private interface Sink {
        void accept(int tensor, FloatBuffer values);
    }

    private static void run(
            OrtEnvironment env,
            OrtSession session,
            ModelProto model,
            List<String> names,
            List<float[]> images,
            IntConsumer onImage,
            Sink sink)
            throws OrtException {
        long[] shape = inputShape(model);
        int batch = (int) shape[0], per = images.get(0).length;
        Set<String> requested = new HashSet<>(names);
        String input = model.getGraph().getInput(0).getName();
        for (int start = 0; start < images.size(); start += batch) {
            float[] data = new float[batch * per];
            // a fixed batch larger than what is left is filled from the first images again
            for (int r = 0; r < batch; r++)
                System.arraycopy(images.get((start + r) % images.size()), 0, data, r * per, per);
            try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(data), shape);
                    OrtSession.Result result = session.run(Map.of(input, t), requested)) {
                for (int i = 0; i < names.size(); i++) {
                    OnnxTensor out = (OnnxTensor) result.get(names.get(i)).orElseThrow();
                    sink.accept(i, out.getFloatBuffer());
                }
            }
            for (int r = 0; r < batch && start + r < images.size(); r++) onImage.accept(start + r + 1);
        }
    }

    /** The shape of the graph's input, a dynamic batch axis as 1. */
    static long[] inputShape(ModelProto model) {
        var dims = model.getGraph()
                .getInput(0)
                .getType()
                .getTensorType()
                .getShape()
                .getDimList();
        long[] shape = new long[dims.size()];
        for (int d = 0; d < shape.length; d++)
            shape[d] = dims.get(d).hasDimValue() ? dims.get(d).getDimValue() : 1;
        return shape;
    }

    /** The model with {@code names} added as float graph outputs (no shape: ORT infers it). */
    private static ModelProto withOutputs(ModelProto model, List<String> names) {
        ModelProto.Builder m = model.toBuilder();
        Set<String> existing = new HashSet<>();
        m.getGraph().getOutputList().forEach(o -> existing.add(o.getName()));
        TypeProto floatTensor = TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT.getNumber()))
                .build();
        for (String n : names) {
            if (existing.add(n))
                m.getGraphBuilder()
                        .addOutput(ValueInfoProto.newBuilder().setName(n).setType(floatTensor));
        }
        return m.build();
    }

    /** Running extremes, then histograms, of one tensor. */
    private static final class Stats {
        float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
        long[] signed, abs;

        void observe(FloatBuffer v) {
            for (int i = v.position(); i < v.limit(); i++) {
                float x = v.get(i);
                if (x < min) min = x;
                if (x > max) max = x;
            }
        }

        void startHistograms() {
            signed = new long[BINS];
            abs = new long[BINS];
        }

        void histogram(FloatBuffer v) {
            float amax = amax(), width = max - min;
            for (int i = v.position(); i < v.limit(); i++) {
                float x = v.get(i);
                if (width > 0) signed[bin((x - min) / width)]++;
                if (amax > 0) abs[bin(Math.abs(x) / amax)]++;
            }
        }

        private static int bin(float fraction) {
            return Math.min(BINS - 1, Math.max(0, (int) (fraction * BINS)));
        }

        float amax() {
            return Math.max(Math.abs(min), Math.abs(max));
        }

        Range range(QuantOptions o) {
            if (!Float.isFinite(min) || !Float.isFinite(max))
                throw new IllegalArgumentException("calibration produced a non-finite activation (" + min + ".." + max
                        + "); the model cannot be quantized with these weights");
            return switch (o.method()) {
                case MINMAX -> new Range(min, max);
                case PERCENTILE -> {
                    if (max == min) yield new Range(min, max);
                    double tail = 1 - o.percentile() / 100;
                    float width = (max - min) / BINS;
                    yield new Range(
                            min + width * quantileBin(signed, tail), min + width * (quantileBin(signed, 1 - tail) + 1));
                }
                case ENTROPY -> {
                    if (amax() == 0) yield new Range(0, 0);
                    float t = amax() * (entropyThresholdBins(abs, min >= 0 ? 255 : 127) / (float) BINS);
                    yield new Range(Math.max(min, -t), Math.min(max, t));
                }
            };
        }
    }

    /** The first bin at which the cumulative count reaches {@code q} of the total. */
    static int quantileBin(long[] hist, double q) {
        long total = Arrays.stream(hist).sum();
        double target = q * total;
        long cum = 0;
        for (int i = 0; i < hist.length; i++) {
            cum += hist[i];
            if (cum >= target) return i;
        }
        return hist.length - 1;
    }

    /**
     * TensorRT's entropy calibration: the number of histogram bins (of |x|) to keep such that the
     * clipped distribution P and its quantization Q to {@code levels} levels differ least in KL
     * divergence.
     */
    static int entropyThresholdBins(long[] hist, int levels) {
        int n = hist.length;
        if (levels >= n) return n;
        double best = Double.POSITIVE_INFINITY;
        int bestBins = n;
        for (int i = levels; i <= n; i += 8) {
            double[] p = new double[i];
            for (int k = 0; k < i; k++) p[k] = hist[k];
            for (int k = i; k < n; k++) p[i - 1] += hist[k];
            double[] q = new double[i];
            for (int j = 0; j < levels; j++) {
                int start = (int) ((long) j * i / levels), end = (int) ((long) (j + 1) * i / levels);
                double sum = 0;
                int nonzero = 0;
                for (int k = start; k < end; k++) {
                    sum += hist[k];
                    if (hist[k] != 0) nonzero++;
                }
                for (int k = start; k < end; k++) q[k] = hist[k] != 0 ? sum / nonzero : 0;
            }
            double kl = divergence(p, q);
            if (kl < best) {
                best = kl;
                bestBins = i;
            }
        }
        return bestBins;
    }

    private static double divergence(double[] p, double[] q) {
        double sp = 0, sq = 0;
        for (int k = 0; k < p.length; k++) {
            sp += p[k];
            sq += q[k];
        }
        if (sp == 0 || sq == 0) return Double.POSITIVE_INFINITY;
        double kl = 0;
        for (int k = 0; k < p.length; k++) {
            if (p[k] == 0) continue;
            double pk = p[k] / sp, qk = Math.max(q[k] / sq, 1e-12);
            kl += pk * Math.log(pk / qk);
        }
        return kl;
    }
}
