package dev.hybridvit.export.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Builds an ONNX model (the generated {@code OnnxMl} protobuf classes of tribuo-util-onnx) one
 * node at a time: every value and node gets a unique name derived from a hint (usually the
 * module's state-dict path), initializers are taken from live weights (each source added once),
 * and the shape of every value is tracked so that a module's ONNX form can reshape its input
 * without runtime {@code Shape} ops. Dimension {@code -1} stands for a dynamic batch axis.
 *
 * <p>Not thread-safe; one graph per export.
 */
public final class OnnxGraph {
    public static final int MIN_OPSET = 13, MAX_OPSET = 21, DEFAULT_OPSET = 17;
    private static final int FLOAT = TensorProto.DataType.FLOAT.getNumber();
    private static final int INT64 = TensorProto.DataType.INT64.getNumber();

    private final String name;
    private final int opset;
    private final boolean deploy, channelsLast;
    private final GraphProto.Builder graph = GraphProto.newBuilder();
    private final Map<String, long[]> shapes = new HashMap<>();
    private final Map<String, long[]> constants = new HashMap<>();
    private final Map<String, float[]> floatConstants = new HashMap<>();
    private final Map<String, String> requested = new HashMap<>();
    private final Map<String, Integer> used = new HashMap<>();
    private final Map<Object, String> scopes = new IdentityHashMap<>();
    private final Map<Object, String> initializersBySource = new IdentityHashMap<>();
    private final Map<String, String> int64Cache = new HashMap<>();
    private final Map<String, String> filledCache = new HashMap<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();
    private long initializerBytes;

    /**
     * @param deploy whether modules take their ORT-tuned deploy forms (of a reparameterised model)
     */
    public OnnxGraph(String name, int opset, boolean deploy) {
        this(name, opset, deploy, false);
    }

    /**
     * @param channelsLast whether the deploy forms are for a runtime that keeps maps channels-last
     *     (see {@link dev.hybridvit.export.ExportOptions#channelsLast()})
     */
    public OnnxGraph(String name, int opset, boolean deploy, boolean channelsLast) {
        if (opset < MIN_OPSET || opset > MAX_OPSET) {
            throw new IllegalArgumentException(
                    "opset " + opset + " is not supported (use " + MIN_OPSET + ".." + MAX_OPSET + ")");
        }
        this.name = name;
        this.opset = opset;
        this.deploy = deploy;
        this.channelsLast = channelsLast;
        graph.setName(name);
    }

    public int opset() {
        return opset;
    }

    public boolean deploy() {
        return deploy;
    }

    public boolean channelsLast() {
        return channelsLast;
    }

    /** Registers the naming scope (e.g. state-dict path) of a module or parameter. */
    public void scope(Object owner, String path) {
        scopes.put(owner, path);
    }

    /** The registered path of {@code owner}, or its class name when unregistered. */
    public String scopeOf(Object owner) {
        String s = scopes.get(owner);
        return s != null ? s : owner.getClass().getSimpleName();
    }

    /** A unique value/node name starting with {@code hint}. */
    public String fresh(String hint) {
        String base = hint == null || hint.isEmpty() ? "v" : hint;
        Integer n = used.get(base);
        if (n == null) {
            used.put(base, 1);
            return base;
        }
        String candidate;
        do {
            candidate = base + "_" + n++;
        } while (used.containsKey(candidate));
        used.put(base, n);
        used.put(candidate, 1);
        return candidate;
    }

    /** Declares a float32 graph input; a negative {@code dims[0]} makes the batch axis dynamic ("batch"). */
    public String input(String inputName, long... dims) {
        String n = fresh(inputName);
        if (!n.equals(inputName)) throw new IllegalStateException("input name " + inputName + " already used");
        graph.addInput(valueInfo(n, dims));
        shapes.put(n, dims.clone());
        return n;
    }

    /** Declares {@code value} as a graph output named {@code outputName} (via an Identity when renamed). */
    public void output(String value, String outputName) {
        String out = value;
        if (!value.equals(outputName)) {
            if (used.containsKey(outputName))
                throw new IllegalStateException("output name " + outputName + " already used");
            used.put(outputName, 1);
            graph.addNode(NodeProto.newBuilder()
                    .setOpType("Identity")
                    .setName(outputName + "_identity")
                    .addInput(value)
                    .addOutput(outputName));
            shapes.put(outputName, shape(value));
            out = outputName;
        }
        graph.addOutput(valueInfo(out, shape(value)));
    }

    /**
     * Asks the emitters for an extra value by name (e.g. {@code embedding}); a model's emitter that
     * knows the value {@linkplain #offer offers} it, and the caller declares it an output afterwards,
     * so the main output stays the first.
     */
    public void request(String name) {
        requested.put(name, null);
    }

    /** Whether {@code name} was {@linkplain #request requested}. */
    public boolean requested(String name) {
        return requested.containsKey(name);
    }

    /** Computes and records the value for {@code name}, only if it was requested (no dead nodes otherwise). */
    public void offer(String name, Supplier<String> value) {
        if (requested.containsKey(name) && requested.get(name) == null) requested.put(name, value.get());
    }

    /** The value offered for a requested {@code name}, or null when no emitter offered one. */
    public String offered(String name) {
        return requested.get(name);
    }

    public void metadata(String key, String value) {
        metadata.put(key, value);
    }

    /** The model metadata written so far (read-only view). */
    public Map<String, String> metadata() {
        return java.util.Collections.unmodifiableMap(metadata);
    }

    /** Adds a single-output node and returns its output's name. */
    public String add(OnnxOp op, String hint, List<String> inputs, OnnxAttr... attrs) {
        return addMulti(op, hint, 1, inputs, attrs)[0];
    }

    /** Adds a node with {@code outputs} outputs (only Split has a variable count). */
    public String[] addMulti(OnnxOp op, String hint, int outputs, List<String> inputs, OnnxAttr... attrs) {
        List<OnnxAttr> attrList = List.of(attrs);
        op.validate(inputs, attrList);
        if (op.outputs >= 0 && op.outputs != outputs)
            throw new IllegalArgumentException(op.type + " has " + op.outputs + " outputs");
        for (String i : inputs)
            if (!shapes.containsKey(i)) throw new IllegalArgumentException(op.type + ": undefined input " + i);
        long[][] outShapes = op.infer(this, inputs, attrList, outputs);
        String nodeName = fresh(hint + "/" + op.type);
        NodeProto.Builder node =
                NodeProto.newBuilder().setOpType(op.type).setName(nodeName).addAllInput(inputs);
        String[] outs = new String[outputs];
        for (int k = 0; k < outputs; k++) {
            outs[k] = fresh(hint + (outputs > 1 ? "_" + k : ""));
            node.addOutput(outs[k]);
            shapes.put(outs[k], outShapes[k]);
        }
        for (OnnxAttr a : attrList) node.addAttribute(attribute(a));
        graph.addNode(node);
        return outs;
    }

    /** A float32 initializer; returns its name. */
    public String initializer(String hint, float[] data, long... dims) {
        long n = 1;
        for (long d : dims) n *= d;
        if (n != data.length)
            throw new IllegalArgumentException(
                    hint + ": " + data.length + " values for shape " + Arrays.toString(dims));
        String n2 = fresh(hint);
        ByteBuffer buf = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(data);
        TensorProto.Builder t =
                TensorProto.newBuilder().setName(n2).setDataType(FLOAT).setRawData(ByteString.copyFrom(buf.array()));
        for (long d : dims) t.addDims(d);
        graph.addInitializer(t);
        shapes.put(n2, dims.clone());
        initializerBytes += data.length * 4L;
        return n2;
    }

    /** An initializer for {@code source} (a parameter, say), created once however often it is used. */
    public String initializer(Object source, String hint, Supplier<float[]> data, long... dims) {
        String existing = initializersBySource.get(source);
        if (existing != null) return existing;
        String n = initializer(hint, data.get(), dims);
        initializersBySource.put(source, n);
        return n;
    }

    /** A 1-D int64 constant (reshape targets, split sizes, axes), shared between nodes. */
    public String ints(long... values) {
        String key = Arrays.toString(values);
        String existing = int64Cache.get(key);
        if (existing != null) return existing;
        String n = fresh("const_i64");
        ByteBuffer buf = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        buf.asLongBuffer().put(values);
        graph.addInitializer(TensorProto.newBuilder()
                .setName(n)
                .setDataType(INT64)
                .addDims(values.length)
                .setRawData(ByteString.copyFrom(buf.array())));
        shapes.put(n, new long[] {values.length});
        constants.put(n, values.clone());
        int64Cache.put(key, n);
        return n;
    }

    /** A float32 scalar constant, shared between nodes (see {@link #filled}). */
    public String scalar(float v) {
        return filled(v);
    }

    /** A float32 constant of shape {@code dims} with every element {@code v}, shared between nodes. */
    public String filled(float v, long... dims) {
        String key = v + "@" + Arrays.toString(dims);
        String existing = filledCache.get(key);
        if (existing != null) return existing;
        long n = 1;
        for (long d : dims) n *= d;
        float[] data = new float[Math.toIntExact(n)];
        Arrays.fill(data, v);
        String name = initializer("const_fill", data, dims);
        filledCache.put(key, name);
        return name;
    }

    /** Shape of a value ({@code -1} = dynamic batch). */
    public long[] shape(String value) {
        long[] s = shapes.get(value);
        if (s == null) throw new IllegalArgumentException("undefined value " + value);
        return s.clone();
    }

    /** A float32 constant input (Resize scales), registered by {@link #floats}. */
    float[] floatConstant(String value) {
        float[] c = floatConstants.get(value);
        if (c == null) throw new IllegalArgumentException(value + " is not a float constant of this graph");
        return c;
    }

    /** A 1-D float32 constant whose values shape inference may read (Resize scales), shared between nodes. */
    public String floats(float... values) {
        String key = "f" + Arrays.toString(values);
        String existing = int64Cache.get(key);
        if (existing != null) return existing;
        String n = initializer("const_f32", values, values.length);
        floatConstants.put(n, values.clone());
        int64Cache.put(key, n);
        return n;
    }

    long[] constant(String value) {
        long[] c = constants.get(value);
        if (c == null) throw new IllegalArgumentException(value + " is not an int64 constant of this graph");
        return c;
    }

    // ---- helpers for ops whose form differs between opsets or that take constant inputs ----

    /** Reshape to {@code dims} (0 copies the input dimension, -1 is inferred). */
    public String reshape(String x, String hint, long... dims) {
        return add(OnnxOp.RESHAPE, hint, List.of(x, ints(dims)));
    }

    public String transpose(String x, String hint, long... perm) {
        return add(OnnxOp.TRANSPOSE, hint, List.of(x), OnnxAttr.ints("perm", perm));
    }

    /** ReduceMean: axes are an attribute before opset 18 and an input from 18 on. */
    public String reduceMean(String x, String hint, boolean keepDims, long... axes) {
        OnnxAttr keep = OnnxAttr.i("keepdims", keepDims ? 1 : 0);
        return opset >= 18
                ? add(OnnxOp.REDUCE_MEAN, hint, List.of(x, ints(axes)), keep)
                : add(OnnxOp.REDUCE_MEAN, hint, List.of(x), OnnxAttr.ints("axes", axes), keep);
    }

    /** Split along {@code axis} into pieces of the given sizes (sizes as an input: opset 13+). */
    public String[] split(String x, String hint, int axis, long... sizes) {
        return addMulti(OnnxOp.SPLIT, hint, sizes.length, List.of(x, ints(sizes)), OnnxAttr.i("axis", axis));
    }

    public int nodeCount() {
        return graph.getNodeCount();
    }

    public long initializerBytes() {
        return initializerBytes;
    }

    /** The finished model (IR version matching the opset). */
    public ModelProto build() {
        ModelProto.Builder m = ModelProto.newBuilder()
                .setIrVersion(opset <= 17 ? 8 : opset <= 20 ? 9 : 10)
                .setProducerName("hybridvit")
                .setProducerVersion("0.1.0")
                .setDomain("dev.hybridvit")
                .setModelVersion(1)
                .setDocString(name)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset))
                .setGraph(graph.build());
        metadata.forEach((k, v) ->
                m.addMetadataProps(StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
        return m.build();
    }

    public void writeTo(OutputStream out) throws IOException {
        build().writeTo(out);
    }

    public byte[] toBytes() {
        return build().toByteArray();
    }

    private static ValueInfoProto valueInfo(String name, long[] dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (int i = 0; i < dims.length; i++) {
            TensorShapeProto.Dimension.Builder d = TensorShapeProto.Dimension.newBuilder();
            if (dims[i] < 0) d.setDimParam(i == 0 ? "batch" : "d" + i);
            else d.setDimValue(dims[i]);
            shape.addDim(d);
        }
        return ValueInfoProto.newBuilder()
                .setName(name)
                .setType(TypeProto.newBuilder()
                        .setTensorType(
                                TypeProto.Tensor.newBuilder().setElemType(FLOAT).setShape(shape)))
                .build();
    }

    private static AttributeProto attribute(OnnxAttr a) {
        AttributeProto.Builder b = AttributeProto.newBuilder().setName(a.name());
        Object v = a.value();
        if (v instanceof Long l) b.setType(AttributeProto.AttributeType.INT).setI(l);
        else if (v instanceof Float f)
            b.setType(AttributeProto.AttributeType.FLOAT).setF(f);
        else if (v instanceof String str)
            b.setType(AttributeProto.AttributeType.STRING).setS(ByteString.copyFromUtf8(str));
        else if (v instanceof long[] ints) {
            b.setType(AttributeProto.AttributeType.INTS);
            for (long i : ints) b.addInts(i);
        } else throw new IllegalArgumentException("unsupported attribute value " + v);
        return b.build();
    }

    /** For error messages and logs. */
    @Override
    public String toString() {
        List<String> s = new ArrayList<>();
        s.add(name + " opset " + opset);
        s.add(graph.getNodeCount() + " nodes, " + graph.getInitializerCount() + " initializers");
        return String.join(", ", s);
    }
}
