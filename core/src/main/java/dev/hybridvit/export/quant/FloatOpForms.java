package dev.hybridvit.export.quant;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The float ops an int8 graph keeps between its int8 convolutions, in the forms ONNX Runtime runs
 * best there. ORT computes a QLinearConv in NHWC and wraps it in transposes, which its transpose
 * optimiser moves through the neighbouring ops it knows to be elementwise until they cancel; every
 * op it does not know keeps a transpose pair over the whole map.
 *
 * <ul>
 *   <li>GELU: the exact x·½(1 + erf(x/√2)) written as the five-node Erf pattern (Div → Erf → Add →
 *       Mul → Mul) becomes one {@code Gelu}. ORT fuses the pattern into its Gelu kernel itself in a
 *       float graph, but not once the GELU's input comes from a DequantizeLinear. It is ONNX's
 *       {@code Gelu} (opset 20, the graph raised to opset 20 when every op it holds reads the same
 *       there), which the transposes pass; else the contrib {@code com.microsoft.Gelu} (same
 *       function), which they do not.
 *   <li>A BatchNormalization no conv could absorb (CMT's IRFFN keeps one after its first GELU)
 *       becomes Mul and Add by per-channel constants, which the transposes pass.
 * </ul>
 */
final class FloatOpForms {
    static final String MS_DOMAIN = "com.microsoft";
    private static final int ONNX_GELU_OPSET = 20;

    private FloatOpForms() {}

    /** Both rewrites; the graph computes the same function. */
    static ModelProto apply(ModelProto model) {
        return batchNormsAsMulAdd(geluAsOneOp(model));
    }

    /** {@code model} with every Erf-pattern GELU as one Gelu node (unchanged when it has none). */
    static ModelProto geluAsOneOp(ModelProto model) {
        GraphProto g = model.getGraph();
        Map<String, float[]> scalars = new HashMap<>();
        for (TensorProto t : g.getInitializerList())
            if (t.getDataType() == TensorProto.DataType.FLOAT.getNumber()
                    && t.getDimsList().stream().allMatch(d -> d == 1))
                scalars.put(t.getName(), QdqQuantizer.floatsOf(t));
        Map<String, List<Integer>> consumers = new HashMap<>();
        Map<String, Integer> producer = new HashMap<>();
        for (int i = 0; i < g.getNodeCount(); i++) {
            NodeProto n = g.getNode(i);
            for (String in : n.getInputList())
                consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(i);
            for (String out : n.getOutputList()) producer.put(out, i);
        }
        Set<String> graphOutputs = new HashSet<>();
        g.getOutputList().forEach(o -> graphOutputs.add(o.getName()));

        int opset = onnxOpset(model);
        boolean raise =
                opset < ONNX_GELU_OPSET && g.getNodeList().stream().allMatch(n -> SAME_AT_20.contains(n.getOpType()));
        boolean onnxGelu = opset >= ONNX_GELU_OPSET || raise;
        Map<Integer, NodeProto> replaced = new HashMap<>(); // last Mul's index → the Gelu node
        Set<Integer> removed = new HashSet<>();
        for (int i = 0; i < g.getNodeCount(); i++) {
            NodeProto erf = g.getNode(i);
            if (!erf.getOpType().equals("Erf")) continue;
            Integer div = producer.get(erf.getInput(0));
            if (div == null || !is(g.getNode(div), "Div", scalars, (float) Math.sqrt(2))) continue;
            String x = g.getNode(div).getInput(0);
            Integer add = only(consumers, graphOutputs, erf.getOutput(0));
            if (add == null || !is(g.getNode(add), "Add", scalars, 1f)) continue;
            Integer mulX = only(consumers, graphOutputs, g.getNode(add).getOutput(0));
            if (mulX == null
                    || !g.getNode(mulX).getOpType().equals("Mul")
                    || !g.getNode(mulX).getInputList().contains(x)) continue;
            Integer half = only(consumers, graphOutputs, g.getNode(mulX).getOutput(0));
            if (half == null || !is(g.getNode(half), "Mul", scalars, 0.5f)) continue;
            if (only(consumers, graphOutputs, g.getNode(div).getOutput(0)) == null) continue;
            NodeProto.Builder gelu = NodeProto.newBuilder()
                    .setOpType("Gelu")
                    .setName(g.getNode(half).getName().replaceFirst("/Mul$", "") + "/Gelu")
                    .addInput(x)
                    .addOutput(g.getNode(half).getOutput(0));
            if (!onnxGelu) gelu.setDomain(MS_DOMAIN);
            replaced.put(half, gelu.build());
            removed.addAll(List.of(div, i, add, mulX));
        }
        if (replaced.isEmpty()) return model;
        GraphProto.Builder ng = g.toBuilder().clearNode();
        Set<String> used = new HashSet<>();
        for (int i = 0; i < g.getNodeCount(); i++) {
            if (removed.contains(i)) continue;
            NodeProto n = replaced.getOrDefault(i, g.getNode(i));
            if (raise && n.getOpType().equals("ReduceMean")) n = axesAsInput(n, ng);
            used.addAll(n.getInputList());
            ng.addNode(n);
        }
        List<TensorProto> added =
                new ArrayList<>(ng.getInitializerList().subList(g.getInitializerCount(), ng.getInitializerCount()));
        ng.clearInitializer();
        for (TensorProto t : g.getInitializerList()) if (used.contains(t.getName())) ng.addInitializer(t);
        ng.addAllInitializer(added);
        ModelProto.Builder m = model.toBuilder().setGraph(ng);
        if (raise) {
            m.clearOpsetImport();
            m.addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(ONNX_GELU_OPSET));
            for (OperatorSetIdProto o : model.getOpsetImportList())
                if (!o.getDomain().isEmpty() && !o.getDomain().equals("ai.onnx")) m.addOpsetImport(o);
            m.setIrVersion(Math.max(model.getIrVersion(), 9)); // opset 20 needs IR version 9
        }
        if (!onnxGelu
                && model.getOpsetImportList().stream()
                        .noneMatch(o -> o.getDomain().equals(MS_DOMAIN)))
            m.addOpsetImport(
                    OperatorSetIdProto.newBuilder().setDomain(MS_DOMAIN).setVersion(1));
        return m.build();
    }

    /**
     * The ops our graphs use whose definitions at opset 20 accept every opset-17 node unchanged
     * (later versions only added types, optional inputs or attributes with the old default), and
     * ReduceMean, whose axes move from an attribute to an input at opset 18.
     */
    private static final Set<String> SAME_AT_20 = Set.of(
            "Conv",
            "BatchNormalization",
            "LayerNormalization",
            "InstanceNormalization",
            "Relu",
            "Sigmoid",
            "Erf",
            "Sqrt",
            "Add",
            "Sub",
            "Mul",
            "Div",
            "MatMul",
            "Gemm",
            "Reshape",
            "Transpose",
            "Softmax",
            "Concat",
            "Split",
            "Pad",
            "MaxPool",
            "AveragePool",
            "GlobalAveragePool",
            "Flatten",
            "ReduceMean",
            "Identity",
            "Resize",
            "Cast");

    /** An opset-13..17 ReduceMean as from opset 18: its {@code axes} attribute as an int64 input. */
    private static NodeProto axesAsInput(NodeProto n, GraphProto.Builder g) {
        NodeProto.Builder b = n.toBuilder().clearAttribute();
        List<Long> axes = null;
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals("axes")) axes = a.getIntsList();
            else b.addAttribute(a);
        }
        if (axes == null) return n;
        String name = n.getName() + "/axes";
        ByteBuffer buf = ByteBuffer.allocate(8 * axes.size()).order(ByteOrder.LITTLE_ENDIAN);
        axes.forEach(buf::putLong);
        g.addInitializer(TensorProto.newBuilder()
                .setName(name)
                .setDataType(TensorProto.DataType.INT64.getNumber())
                .addDims(axes.size())
                .setRawData(ByteString.copyFrom(buf.array())));
        return b.addInput(name).build();
    }

    /**
     * {@code model} with each BatchNormalization of a conv's map (its input a Conv's output, or a
     * Gelu / Relu of one) as Mul(x, γ/√(σ² + ε)) and Add(·, β − μ·γ/√(σ² + ε)), by C×1×1 constants.
     */
    static ModelProto batchNormsAsMulAdd(ModelProto model) {
        GraphProto g = model.getGraph();
        Map<String, TensorProto> inits = new HashMap<>();
        for (TensorProto t : g.getInitializerList()) inits.put(t.getName(), t);
        Map<String, NodeProto> producer = new HashMap<>();
        for (NodeProto n : g.getNodeList()) for (String o : n.getOutputList()) producer.put(o, n);
        GraphProto.Builder ng = g.toBuilder().clearNode();
        boolean changed = false;
        for (NodeProto n : g.getNodeList()) {
            if (!n.getOpType().equals("BatchNormalization")
                    || n.getOutputCount() != 1
                    || !n.getInputList().subList(1, 5).stream().allMatch(inits::containsKey)
                    || !ofConvMap(n.getInput(0), producer)) {
                ng.addNode(n);
                continue;
            }
            float eps = n.getAttributeList().stream()
                    .filter(a -> a.getName().equals("epsilon"))
                    .findFirst()
                    .map(AttributeProto::getF)
                    .orElse(1e-5f);
            float[] gamma = QdqQuantizer.floatsOf(inits.get(n.getInput(1))),
                    beta = QdqQuantizer.floatsOf(inits.get(n.getInput(2))),
                    mean = QdqQuantizer.floatsOf(inits.get(n.getInput(3))),
                    var = QdqQuantizer.floatsOf(inits.get(n.getInput(4)));
            int c = gamma.length;
            float[] scale = new float[c], shift = new float[c];
            for (int i = 0; i < c; i++) {
                scale[i] = (float) (gamma[i] / Math.sqrt(var[i] + eps));
                shift[i] = beta[i] - mean[i] * scale[i];
            }
            String base = n.getName().replaceFirst("/BatchNormalization$", ""), scaled = n.getOutput(0) + "_scaled";
            ng.addInitializer(QdqQuantizer.floats(base + "/scale", scale, c, 1, 1));
            ng.addInitializer(QdqQuantizer.floats(base + "/shift", shift, c, 1, 1));
            ng.addNode(binary("Mul", base + "/Mul", n.getInput(0), base + "/scale", scaled));
            ng.addNode(binary("Add", base + "/Add", scaled, base + "/shift", n.getOutput(0)));
            changed = true;
        }
        return changed ? model.toBuilder().setGraph(ng).build() : model;
    }

    private static boolean ofConvMap(String value, Map<String, NodeProto> producer) {
        NodeProto p = producer.get(value);
        while (p != null && (p.getOpType().equals("Gelu") || p.getOpType().equals("Relu")))
            p = producer.get(p.getInput(0));
        return p != null && p.getOpType().equals("Conv");
    }

    private static NodeProto binary(String op, String name, String a, String b, String out) {
        return NodeProto.newBuilder()
                .setOpType(op)
                .setName(name)
                .addInput(a)
                .addInput(b)
                .addOutput(out)
                .build();
    }

    /** The default-domain opset the model imports. */
    static int onnxOpset(ModelProto model) {
        return model.getOpsetImportList().stream()
                .filter(o -> o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx"))
                .mapToInt(o -> (int) o.getVersion())
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("the model imports no ONNX opset"));
    }

    /** The single consumer of {@code value} (null when it has several or is a graph output). */
    private static Integer only(Map<String, List<Integer>> consumers, Set<String> graphOutputs, String value) {
        List<Integer> c = consumers.getOrDefault(value, List.of());
        return c.size() == 1 && !graphOutputs.contains(value) ? c.get(0) : null;
    }

    /** Whether {@code n} is {@code op} with a scalar constant {@code c} as its second input (either for Mul and Add). */
    private static boolean is(NodeProto n, String op, Map<String, float[]> scalars, float c) {
        if (!n.getOpType().equals(op) || n.getInputCount() != 2) return false;
        for (int k = op.equals("Div") ? 1 : 0; k < 2; k++) {
            float[] v = scalars.get(n.getInput(k));
            if (v != null && v.length == 1 && Math.abs(v[0] - c) <= 1e-6f * Math.abs(c)) return true;
        }
        return false;
    }
}
