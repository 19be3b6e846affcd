package dev.hybridvit.export.quant;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The exact GELU, x·½(1 + erf(x/√2)), written as the five-node Erf pattern a float graph carries
 * (Div → Erf → Add → Mul → Mul), replaced by one {@code Gelu} node: ONNX's own from opset 20, else
 * ONNX Runtime's contrib {@code com.microsoft.Gelu} (same function). ORT fuses the pattern into its
 * Gelu kernel itself in a float graph, but not once the GELU's input comes from a
 * DequantizeLinear; there the five elementwise passes over the map cost more than the int8 convs
 * save, so the int8 graph names the op directly.
 */
final class GeluOps {
    static final String MS_DOMAIN = "com.microsoft";
    private static final int ONNX_GELU_OPSET = 20;

    private GeluOps() {}

    /** {@code model} with every Erf-pattern GELU as one Gelu node (unchanged when it has none). */
    static ModelProto fuse(ModelProto model) {
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
        boolean onnxGelu = opset >= ONNX_GELU_OPSET;
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
            used.addAll(n.getInputList());
            ng.addNode(n);
        }
        ng.clearInitializer();
        for (TensorProto t : g.getInitializerList()) if (used.contains(t.getName())) ng.addInitializer(t);
        ModelProto.Builder m = model.toBuilder().setGraph(ng);
        if (!onnxGelu
                && model.getOpsetImportList().stream()
                        .noneMatch(o -> o.getDomain().equals(MS_DOMAIN)))
            m.addOpsetImport(
                    OperatorSetIdProto.newBuilder().setDomain(MS_DOMAIN).setVersion(1));
        return m.build();
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
