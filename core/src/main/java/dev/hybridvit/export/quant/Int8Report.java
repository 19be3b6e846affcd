package dev.hybridvit.export.quant;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * How closely an int8 graph follows its float32 original on a set of images — top-1 agreement and
 * mean cosine similarity of the logits — and the per-block sensitivity behind it: the same figures
 * when only one block's convolutions and linear layers are quantized (ranges from one shared
 * calibration), so the blocks that lose most show first.
 */
public final class Int8Report {
    private Int8Report() {}

    /** Agreement of two graphs' logits. */
    public record Agreement(int images, double top1Agreement, double meanCosine, double minCosine) {}

    /** One block quantized alone. */
    public record Row(String block, int layers, Agreement agreement) {}

    /** {@code candidate}'s logits against {@code reference}'s on {@code images} (3×H×W, preprocessed). */
    public static Agreement compare(ModelProto reference, ModelProto candidate, List<float[]> images) {
        return agreement(logits(reference, images), logits(candidate, images));
    }

    /**
     * Sensitivity table, most sensitive block first: each block of {@code floatModel} quantized
     * alone with ranges calibrated once on {@code calibration}, compared with float32 on {@code images}.
     */
    public static List<Row> sensitivity(
            ModelProto floatModel,
            List<float[]> calibration,
            List<float[]> images,
            QuantOptions options,
            IntConsumer onBlock) {
        QdqQuantizer.Plan all = QdqQuantizer.plan(floatModel, options);
        Map<String, Calibrator.Range> ranges =
                Calibrator.calibrate(floatModel, all.tensors(), calibration, options, i -> {});
        float[][] reference = logits(floatModel, images);
        Map<String, Integer> blocks = new LinkedHashMap<>();
        for (String node : all.nodeNames()) blocks.merge(block(node), 1, Integer::sum);
        List<Row> rows = new ArrayList<>();
        int done = 0;
        for (Map.Entry<String, Integer> b : blocks.entrySet()) {
            QuantOptions only =
                    options.withQuantizeNode(n -> options.quantizeNode().test(n) && block(n).equals(b.getKey()));
            ModelProto q = QdqQuantizer.plan(floatModel, only).apply(ranges);
            rows.add(new Row(b.getKey(), b.getValue(), agreement(reference, logits(q, images))));
            onBlock.accept(++done);
        }
        rows.sort(Comparator.comparingDouble(r -> r.agreement().meanCosine()));
        return rows;
    }

    /** Number of blocks {@link #sensitivity} measures. */
    public static int blocks(ModelProto floatModel, QuantOptions options) {
        return (int) QdqQuantizer.plan(floatModel, options).nodeNames().stream()
                .map(Int8Report::block)
                .distinct()
                .count();
    }

    /**
     * The block a node belongs to, from its name (the module's state-dict path, then the op): the
     * path up to its second index ({@code stages.2.blocks.0}), else up to its first
     * ({@code features.3}), else its first component ({@code stem}, {@code head}).
     */
    static String block(String node) {
        String[] parts = node.split("/", 2)[0].split("\\.");
        int numeric = 0;
        StringBuilder sb = new StringBuilder();
        String firstIndexed = null;
        for (String p : parts) {
            sb.append(sb.length() == 0 ? "" : ".").append(p);
            if (p.chars().allMatch(Character::isDigit)) {
                numeric++;
                if (numeric == 1) firstIndexed = sb.toString();
                if (numeric == 2) return sb.toString();
            }
        }
        return firstIndexed != null ? firstIndexed : parts[0];
    }

    static Agreement agreement(float[][] a, float[][] b) {
        int agree = 0;
        double sum = 0, min = 1;
        for (int i = 0; i < a.length; i++) {
            if (argmax(a[i]) == argmax(b[i])) agree++;
            double c = cosine(a[i], b[i]);
            sum += c;
            min = Math.min(min, c);
        }
        return new Agreement(a.length, (double) agree / a.length, sum / a.length, min);
    }

    /** Logits of {@code model} (batch-1 or dynamic-batch float32 input) for each image. */
    static float[][] logits(ModelProto model, List<float[]> images) {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        long[] shape = Calibrator.inputShape(model);
        if (shape[0] != 1) throw new IllegalArgumentException("an int8 report needs a batch-1 or dynamic-batch graph");
        float[][] out = new float[images.size()][];
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            try (OrtSession s = env.createSession(model.toByteArray(), so)) {
                String input = s.getInputNames().iterator().next();
                for (int i = 0; i < images.size(); i++) {
                    try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(images.get(i)), shape);
                            OrtSession.Result r = s.run(Map.of(input, t))) {
                        FloatBuffer fb = ((OnnxTensor) r.get(0)).getFloatBuffer();
                        out[i] = new float[fb.remaining()];
                        fb.get(out[i]);
                    }
                }
            }
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed: " + e.getMessage(), e);
        }
        return out;
    }

    static double cosine(float[] a, float[] b) {
        double ab = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.length; i++) {
            ab += (double) a[i] * b[i];
            aa += (double) a[i] * a[i];
            bb += (double) b[i] * b[i];
        }
        return aa == 0 || bb == 0 ? (aa == bb ? 1 : 0) : ab / Math.sqrt(aa * bb);
    }

    static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }
}
