package dev.hybridvit.export.quant;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Static int8 quantization of a float graph in the QDQ form (QuantizeLinear → DequantizeLinear
 * pairs around the int8-able ops, the form ONNX Runtime and TensorRT fuse into int8 kernels):
 * convolutions and the weight MatMuls (linear layers) take per-output-channel symmetric int8
 * weights, their activation inputs per-tensor asymmetric uint8 from calibration, conv biases int32
 * at scale x_scale·w_scale; the stem conv that reads the image stays float (its 3-channel
 * reduction is too short for the int8 kernels to pay off, measured slower in ONNX Runtime). A
 * Conv's output is quantized too, so that ORT fuses DequantizeLinear →
 * Conv → QuantizeLinear into one QLinearConv; a ReLU that alone follows a quantized conv is
 * dropped, its clipping done by the output's zero point (range [0, max]). MatMul outputs stay
 * float (ORT's MatMulIntegerToFloat). 2-D average pools take uint8 in and out (ORT's
 * QLinearAveragePool, which keeps the int8 maps around them in its NHWC layout). Everything else —
 * softmax, the norms, GELU, residual adds (unless {@link QuantOptions#residualAdds()}), the 1-D
 * token pool, the classifier Gemm, MatMuls with the weight on the left (ORT has no int8 kernel for
 * that QDQ form) and, unless {@link QuantOptions#attentionScores()}, the attention
 * MatMuls — computes in float on dequantized values, in the forms of {@link FloatOpForms}.
 *
 * <p>Used in two steps: {@link #plan} names the tensors that need a calibrated range, then
 * {@link Plan#apply} writes the QDQ graph from those ranges.
 */
final class QdqQuantizer {
    private static final int FLOAT = TensorProto.DataType.FLOAT.getNumber(),
            INT8 = TensorProto.DataType.INT8.getNumber(),
            UINT8 = TensorProto.DataType.UINT8.getNumber(),
            INT32 = TensorProto.DataType.INT32.getNumber();

    private QdqQuantizer() {}

    /** How one node is quantized: which input is the weight (-1: none) and whether its output is. */
    private record Target(
            int weightInput, boolean perChannel, int channelAxis, List<Integer> activations, boolean output) {}

    /** The quantization decided for a graph, before calibration. */
    static final class Plan {
        private final ModelProto model; // with the folded ReLUs removed
        private final Map<Integer, Target> targets; // node index → target
        private final Set<String> tensors; // activations needing a range, in graph order

        private Plan(ModelProto model, Map<Integer, Target> targets, Set<String> tensors) {
            this.model = model;
            this.targets = targets;
            this.tensors = tensors;
        }

        /** Activation tensors to calibrate (names valid in the original float graph too). */
        Set<String> tensors() {
            return tensors;
        }

        int quantizedNodes() {
            return targets.size();
        }

        /** Names of the quantized nodes, in graph order. */
        List<String> nodeNames() {
            return targets.keySet().stream()
                    .sorted()
                    .map(i -> model.getGraph().getNode(i).getName())
                    .toList();
        }

        /** The QDQ graph with these activation ranges. */
        ModelProto apply(Map<String, Calibrator.Range> ranges) {
            GraphProto g = model.getGraph();
            Map<String, TensorProto> inits = new HashMap<>();
            for (TensorProto t : g.getInitializerList()) inits.put(t.getName(), t);
            Set<String> graphOutputs = new HashSet<>();
            g.getOutputList().forEach(o -> graphOutputs.add(o.getName()));

            List<TensorProto> newInits = new ArrayList<>();
            List<NodeProto> weightNodes = new ArrayList<>();
            Map<String, String> weightDq = new HashMap<>();
            Map<String, float[]> weightScales = new HashMap<>();
            Map<String, String> activationDq = new HashMap<>();
            for (String t : tensors) activationDq.put(t, t + "_dq");

            // each node's inputs rewired to dequantized values; Q/DQ pairs placed right after a tensor's producer
            List<NodeProto> out = new ArrayList<>();
            Set<String> graphInputs = new HashSet<>();
            g.getInputList().forEach(i -> graphInputs.add(i.getName()));
            for (String t : tensors) if (graphInputs.contains(t)) out.addAll(qdq(t, ranges, newInits));
            for (int idx = 0; idx < g.getNodeCount(); idx++) {
                NodeProto n = g.getNode(idx);
                Target target = targets.get(idx);
                NodeProto.Builder b = n.toBuilder();
                for (int k = 0; k < n.getInputCount(); k++) {
                    String in = n.getInput(k);
                    String dq = activationDq.get(in);
                    if (dq != null) b.setInput(k, dq);
                }
                if (target != null && target.weightInput() >= 0) {
                    String w = n.getInput(target.weightInput());
                    String key = w + (target.perChannel() ? "@" + target.channelAxis() : "@tensor");
                    String wdq = weightDq.get(key);
                    if (wdq == null) {
                        float[] scales = weight(inits.get(w), target, key, newInits, weightNodes);
                        wdq = key.replace('@', '_') + "_dq";
                        weightDq.put(key, wdq);
                        weightScales.put(key, scales);
                    }
                    b.setInput(target.weightInput(), wdq);
                    if (n.getOpType().equals("Conv") && n.getInputCount() == 3) {
                        String x = n.getInput(0);
                        float xs = scale(ranges.get(x));
                        b.setInput(
                                2,
                                bias(
                                        inits.get(n.getInput(2)),
                                        xs,
                                        weightScales.get(key),
                                        n.getName(),
                                        newInits,
                                        weightNodes));
                    }
                }
                out.add(b.build());
                for (String o : n.getOutputList()) if (tensors.contains(o)) out.addAll(qdq(o, ranges, newInits));
            }

            // graph outputs keep their float producers
            for (NodeProto n : out) {
                for (String i : n.getInputList()) {
                    if (graphOutputs.contains(i + "_dq")) throw new IllegalStateException("unexpected output " + i);
                }
            }
            Set<String> used = new HashSet<>();
            weightNodes.forEach(n -> used.addAll(n.getInputList()));
            out.forEach(n -> used.addAll(n.getInputList()));
            GraphProto.Builder ng = g.toBuilder().clearNode().clearInitializer();
            ng.addAllNode(weightNodes).addAllNode(out);
            for (TensorProto t : g.getInitializerList()) if (used.contains(t.getName())) ng.addInitializer(t);
            ng.addAllInitializer(newInits);
            return model.toBuilder().setGraph(ng).build();
        }
    }

    /** Decides what is quantized in {@code model}'s graph, its float ops in their {@link FloatOpForms}. */
    static Plan plan(ModelProto model, QuantOptions options) {
        model = FloatOpForms.apply(model);
        GraphProto g = model.getGraph();
        Set<String> inits = new HashSet<>();
        Map<String, TensorProto> initializers = new HashMap<>();
        for (TensorProto t : g.getInitializerList()) {
            inits.add(t.getName());
            initializers.put(t.getName(), t);
        }
        Map<String, List<Integer>> consumers = new HashMap<>();
        for (int i = 0; i < g.getNodeCount(); i++) {
            for (String in : g.getNode(i).getInputList())
                consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(i);
        }
        Set<String> graphOutputs = new HashSet<>(), graphInputs = new HashSet<>();
        g.getOutputList().forEach(o -> graphOutputs.add(o.getName()));
        g.getInputList().forEach(i -> graphInputs.add(i.getName()));

        List<NodeProto> nodes = new ArrayList<>(g.getNodeList());
        Set<Integer> dropped = new HashSet<>();
        Map<Integer, Target> targets = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            NodeProto n = nodes.get(i);
            if (!options.quantizeNode().test(n.getName())) continue;
            Target t = null;
            switch (n.getOpType()) {
                case "Conv" -> {
                    // the stem conv over the image stays float: with 3 input channels its int8 kernel is slower
                    if (isFloatWeight(initializers.get(n.getInput(1)))
                            && !inits.contains(n.getInput(0))
                            && !graphInputs.contains(n.getInput(0))) t = new Target(1, true, 0, List.of(0), true);
                }
                case "MatMul" -> {
                    boolean a = inits.contains(n.getInput(0)), b = inits.contains(n.getInput(1));
                    if (b && !a && rank(initializers.get(n.getInput(1))) == 2)
                        t = new Target(1, true, 1, List.of(0), false);
                    else if (!a && !b && options.attentionScores()) t = new Target(-1, false, 0, List.of(0, 1), false);
                }
                case "AveragePool", "GlobalAveragePool" -> {
                    // 2-D pools run as QLinear(Global)AveragePool in ORT's NHWC layout, so the int8 maps on
                    // both sides need no transposes; the 1-D token pool of E-MHSA stays float
                    if (n.getOpType().startsWith("Global") || kernelRank(n) == 2)
                        t = new Target(-1, false, 0, List.of(0), true);
                }
                case "Add" -> {
                    if (options.residualAdds()
                            && !inits.contains(n.getInput(0))
                            && !inits.contains(n.getInput(1))
                            && !graphInputs.contains(n.getInput(0))
                            && !graphInputs.contains(n.getInput(1))) t = new Target(-1, false, 0, List.of(0, 1), true);
                }
                default -> {}
            }
            if (t == null) continue;
            targets.put(i, t);
            if (n.getOpType().equals("Conv")) {
                List<Integer> next = consumers.getOrDefault(n.getOutput(0), List.of());
                if (next.size() == 1
                        && nodes.get(next.get(0)).getOpType().equals("Relu")
                        && !graphOutputs.contains(n.getOutput(0))) {
                    NodeProto relu = nodes.get(next.get(0));
                    nodes.set(i, n.toBuilder().setOutput(0, relu.getOutput(0)).build());
                    dropped.add(next.get(0));
                }
            }
        }
        Map<String, NodeProto> producers = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            if (!dropped.contains(i)) for (String o : nodes.get(i).getOutputList()) producers.put(o, nodes.get(i));
        }
        // node indices shift once the folded ReLUs are removed
        GraphProto.Builder ng = g.toBuilder().clearNode();
        Map<Integer, Target> shifted = new HashMap<>();
        Set<String> tensors = new LinkedHashSet<>();
        for (int i = 0; i < nodes.size(); i++) {
            if (dropped.contains(i)) continue;
            NodeProto n = nodes.get(i);
            Target t = targets.get(i);
            if (t != null) {
                shifted.put(ng.getNodeCount(), t);
                for (int a : t.activations()) {
                    String in = n.getInput(a);
                    tensors.add(n.getOpType().equals("MatMul") ? layoutOrigin(in, producers, graphInputs) : in);
                }
                if (t.output() && !graphOutputs.contains(n.getOutput(0))) tensors.add(n.getOutput(0));
            }
            ng.addNode(n);
        }
        if (shifted.values().stream().noneMatch(t -> t.weightInput() >= 0))
            throw new IllegalArgumentException(
                    "the model has no convolution or linear layer with constant weights to quantize");
        return new Plan(model.toBuilder().setGraph(ng).build(), shifted, tensors);
    }

    /**
     * The tensor a MatMul input is a re-laid-out view of (through Reshape / Transpose / Flatten /
     * Squeeze / Unsqueeze): quantizing it there lets the view's other readers — a residual Add
     * beside the attention's tokens, say — share the int8 value, and ORT moves the
     * DequantizeLinear forward through the layout ops to the MatMul.
     */
    private static String layoutOrigin(String t, Map<String, NodeProto> producers, Set<String> graphInputs) {
        NodeProto p = producers.get(t);
        while (p != null && LAYOUT_OPS.contains(p.getOpType()) && !graphInputs.contains(p.getInput(0))) {
            t = p.getInput(0);
            p = producers.get(t);
        }
        return t;
    }

    private static final Set<String> LAYOUT_OPS = Set.of("Reshape", "Transpose", "Flatten", "Squeeze", "Unsqueeze");

    private static int kernelRank(NodeProto n) {
        return n.getAttributeList().stream()
                .filter(a -> a.getName().equals("kernel_shape"))
                .mapToInt(AttributeProto::getIntsCount)
                .findFirst()
                .orElse(0);
    }

    private static boolean isFloatWeight(TensorProto t) {
        return t != null && t.getDataType() == FLOAT && t.getDimsCount() >= 2;
    }

    private static int rank(TensorProto t) {
        return t.getDataType() == FLOAT ? t.getDimsCount() : -1;
    }

    /** uint8 scale of a range (all ranges contain 0). */
    static float scale(Calibrator.Range r) {
        float s = (r.max() - r.min()) / 255f;
        return s > 0 ? s : 1f;
    }

    static int zeroPoint(Calibrator.Range r) {
        return Math.max(0, Math.min(255, Math.round(-r.min() / scale(r))));
    }

    /** QuantizeLinear and DequantizeLinear of activation {@code t}; the DQ's output is {@code t_dq}. */
    private static List<NodeProto> qdq(String t, Map<String, Calibrator.Range> ranges, List<TensorProto> inits) {
        Calibrator.Range r = ranges.get(t);
        if (r == null) throw new IllegalStateException("no calibrated range for " + t);
        String s = t + "_scale", z = t + "_zero_point";
        inits.add(floats(s, new float[] {scale(r)}));
        inits.add(bytes(z, UINT8, new byte[] {(byte) zeroPoint(r)}));
        return List.of(
                node("QuantizeLinear", t + "/QuantizeLinear", List.of(t, s, z), t + "_q", -1),
                node("DequantizeLinear", t + "/DequantizeLinear", List.of(t + "_q", s, z), t + "_dq", -1));
    }

    /** Symmetric int8 weights with their DequantizeLinear; returns the scales (per channel or one). */
    private static float[] weight(TensorProto w, Target t, String key, List<TensorProto> inits, List<NodeProto> nodes) {
        float[] v = floatsOf(w);
        long[] dims = w.getDimsList().stream().mapToLong(Long::longValue).toArray();
        int channels = t.perChannel() ? (int) dims[t.channelAxis()] : 1;
        // element index → channel: axis 0 of a conv (outer), axis 1 of a K×N MatMul weight (inner)
        int inner = t.perChannel() && t.channelAxis() == dims.length - 1 ? 1 : v.length / channels;
        boolean outer = !t.perChannel() || t.channelAxis() == 0;
        float[] amax = new float[channels];
        for (int i = 0; i < v.length; i++) {
            int c = outer ? i / inner : i % channels;
            amax[c] = Math.max(amax[c], Math.abs(v[i]));
        }
        float[] scales = new float[channels];
        for (int c = 0; c < channels; c++) scales[c] = amax[c] > 0 ? amax[c] / 127f : 1f;
        byte[] q = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            int c = outer ? i / inner : i % channels;
            q[i] = (byte) Math.max(-127, Math.min(127, Math.round(v[i] / scales[c])));
        }
        String base = key.replace('@', '_');
        TensorProto.Builder qt = bytes(base + "_int8", INT8, q).toBuilder().addAllDims(w.getDimsList());
        inits.add(qt.build());
        inits.add(t.perChannel() ? floats(base + "_scale", scales, channels) : floats(base + "_scale", scales));
        byte[] zeros = new byte[channels];
        inits.add(
                t.perChannel()
                        ? bytes(base + "_zero_point", INT8, zeros, channels)
                        : bytes(base + "_zero_point", INT8, zeros));
        nodes.add(node(
                "DequantizeLinear",
                base + "/DequantizeLinear",
                List.of(base + "_int8", base + "_scale", base + "_zero_point"),
                base + "_dq",
                t.perChannel() ? t.channelAxis() : -1));
        return scales;
    }

    /** A conv bias as int32 at scale x_scale·w_scale[c] with its DequantizeLinear; returns the DQ output. */
    private static String bias(
            TensorProto b, float xScale, float[] wScales, String node, List<TensorProto> inits, List<NodeProto> nodes) {
        float[] v = floatsOf(b);
        int channels = v.length;
        float[] scales = new float[channels];
        ByteBuffer q = ByteBuffer.allocate(4 * channels).order(ByteOrder.LITTLE_ENDIAN);
        for (int c = 0; c < channels; c++) {
            scales[c] = xScale * wScales[wScales.length == 1 ? 0 : c];
            q.putInt((int) Math.max(
                    Integer.MIN_VALUE + 1L, Math.min(Integer.MAX_VALUE, Math.round((double) v[c] / scales[c]))));
        }
        String base = node.replace('/', '_') + "_bias";
        inits.add(TensorProto.newBuilder()
                .setName(base + "_int32")
                .setDataType(INT32)
                .addDims(channels)
                .setRawData(ByteString.copyFrom(q.array()))
                .build());
        inits.add(floats(base + "_scale", scales, channels));
        ByteBuffer zeros = ByteBuffer.allocate(4 * channels);
        inits.add(TensorProto.newBuilder()
                .setName(base + "_zero_point")
                .setDataType(INT32)
                .addDims(channels)
                .setRawData(ByteString.copyFrom(zeros.array()))
                .build());
        nodes.add(node(
                "DequantizeLinear",
                base + "/DequantizeLinear",
                List.of(base + "_int32", base + "_scale", base + "_zero_point"),
                base + "_dq",
                0));
        return base + "_dq";
    }

    private static NodeProto node(String op, String name, List<String> inputs, String output, int axis) {
        NodeProto.Builder b = NodeProto.newBuilder()
                .setOpType(op)
                .setName(name)
                .addAllInput(inputs)
                .addOutput(output);
        if (axis >= 0)
            b.addAttribute(AttributeProto.newBuilder()
                    .setName("axis")
                    .setType(AttributeProto.AttributeType.INT)
                    .setI(axis));
        return b.build();
    }

    static float[] floatsOf(TensorProto t) {
        if (t.getDataType() != FLOAT) throw new IllegalArgumentException(t.getName() + " is not float32");
        if (!t.getRawData().isEmpty()) {
            float[] v = new float[t.getRawData().size() / 4];
            t.getRawData()
                    .asReadOnlyByteBuffer()
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .asFloatBuffer()
                    .get(v);
            return v;
        }
        float[] v = new float[t.getFloatDataCount()];
        for (int i = 0; i < v.length; i++) v[i] = t.getFloatData(i);
        return v;
    }

    static TensorProto floats(String name, float[] v, long... dims) {
        ByteBuffer buf = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(v);
        TensorProto.Builder t =
                TensorProto.newBuilder().setName(name).setDataType(FLOAT).setRawData(ByteString.copyFrom(buf.array()));
        for (long d : dims) t.addDims(d);
        return t.build();
    }

    private static TensorProto bytes(String name, int type, byte[] v, long... dims) {
        TensorProto.Builder t =
                TensorProto.newBuilder().setName(name).setDataType(type).setRawData(ByteString.copyFrom(v));
        for (long d : dims) t.addDims(d);
        return t.build();
    }
}
