package dev.hybridvit.export.onnx;

import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * The ONNX operators this project emits, as a table (in the manner of Tribuo's
 * {@code ONNXOperators}): operator type, input arity (min..max), number of outputs and the
 * attributes it accepts. Each entry also knows its output shape for the graph builder's shape
 * tracking (dimension {@code -1} = the dynamic batch axis), so module export code can ask for
 * the spatial size of what it is about to reshape.
 */
public enum OnnxOp {
    CONV("Conv", 2, 3, 1, "kernel_shape", "strides", "pads", "group", "dilations"),
    BATCH_NORM("BatchNormalization", 5, 5, 1, "epsilon", "momentum"),
    LAYER_NORM("LayerNormalization", 2, 3, 1, "axis", "epsilon"),
    INSTANCE_NORM("InstanceNormalization", 3, 3, 1, "epsilon"),
    RELU("Relu", 1, 1, 1),
    SIGMOID("Sigmoid", 1, 1, 1),
    ERF("Erf", 1, 1, 1),
    SQRT("Sqrt", 1, 1, 1),
    ADD("Add", 2, 2, 1),
    SUB("Sub", 2, 2, 1),
    MUL("Mul", 2, 2, 1),
    DIV("Div", 2, 2, 1),
    MATMUL("MatMul", 2, 2, 1),
    GEMM("Gemm", 2, 3, 1, "transA", "transB", "alpha", "beta"),
    RESHAPE("Reshape", 2, 2, 1),
    TRANSPOSE("Transpose", 1, 1, 1, "perm"),
    SOFTMAX("Softmax", 1, 1, 1, "axis"),
    CONCAT("Concat", 1, Integer.MAX_VALUE, 1, "axis"),
    SPLIT("Split", 2, 2, -1, "axis"),
    PAD("Pad", 2, 3, 1, "mode"),
    MAX_POOL("MaxPool", 1, 1, 1, "kernel_shape", "strides", "pads", "ceil_mode", "dilations"),
    AVERAGE_POOL("AveragePool", 1, 1, 1, "kernel_shape", "strides", "pads", "ceil_mode", "count_include_pad"),
    GLOBAL_AVERAGE_POOL("GlobalAveragePool", 1, 1, 1),
    FLATTEN("Flatten", 1, 1, 1, "axis"),
    REDUCE_MEAN("ReduceMean", 1, 2, 1, "axes", "keepdims"),
    IDENTITY("Identity", 1, 1, 1),
    /** Inputs X, roi, scales (sizes unused: with a dynamic batch they would need a runtime Shape). */
    RESIZE("Resize", 3, 3, 1, "mode", "coordinate_transformation_mode", "nearest_mode");

    public final String type;
    public final int minInputs, maxInputs;
    /** Number of outputs; -1 = as many as requested (Split). */
    public final int outputs;

    private final Set<String> attributes;

    OnnxOp(String type, int minInputs, int maxInputs, int outputs, String... attributes) {
        this.type = type;
        this.minInputs = minInputs;
        this.maxInputs = maxInputs;
        this.outputs = outputs;
        this.attributes = Set.of(attributes);
    }

    public boolean accepts(String attribute) {
        return attributes.contains(attribute);
    }

    /** Checks arity and attribute names; a mistake here is a bug in a module's ONNX form. */
    void validate(List<String> inputs, List<OnnxAttr> attrs) {
        if (inputs.size() < minInputs || inputs.size() > maxInputs) {
            throw new IllegalArgumentException(
                    type + " takes " + minInputs + ".." + maxInputs + " inputs, got " + inputs.size());
        }
        for (OnnxAttr a : attrs) {
            if (!accepts(a.name())) throw new IllegalArgumentException(type + " has no attribute " + a.name());
        }
    }

    /** Output shapes from input shapes (and the values of constant int64 inputs, where needed). */
    long[][] infer(OnnxGraph g, List<String> in, List<OnnxAttr> attrs, int nOut) {
        long[] x = g.shape(in.get(0));
        return switch (this) {
            case CONV -> {
                long[] w = g.shape(in.get(1));
                long[] k = OnnxAttr.ints(attrs, "kernel_shape", new long[] {w[2], w[3]});
                long[] s = OnnxAttr.ints(attrs, "strides", new long[] {1, 1});
                long[] p = OnnxAttr.ints(attrs, "pads", new long[] {0, 0, 0, 0});
                long[] out = {x[0], w[0], 0, 0};
                for (int i = 0; i < 2; i++) out[2 + i] = (x[2 + i] + p[i] + p[i + 2] - k[i]) / s[i] + 1;
                yield new long[][] {out};
            }
            case AVERAGE_POOL, MAX_POOL -> {
                long[] k = OnnxAttr.ints(attrs, "kernel_shape", null);
                long[] s = OnnxAttr.ints(attrs, "strides", k);
                long[] p = OnnxAttr.ints(attrs, "pads", new long[2 * k.length]);
                boolean ceil = OnnxAttr.integer(attrs, "ceil_mode", 0) == 1;
                long[] out = x.clone();
                for (int i = 0; i < k.length; i++) {
                    long span = x[2 + i] + p[i] + p[i + k.length] - k[i];
                    out[2 + i] = (ceil ? Math.floorDiv(span + s[i] - 1, s[i]) : Math.floorDiv(span, s[i])) + 1;
                }
                yield new long[][] {out};
            }
            case GLOBAL_AVERAGE_POOL -> {
                long[] out = x.clone();
                for (int i = 2; i < out.length; i++) out[i] = 1;
                yield new long[][] {out};
            }
            case FLATTEN -> {
                int axis = (int) OnnxAttr.integer(attrs, "axis", 1);
                long a = 1, b = 1;
                for (int i = 0; i < x.length; i++)
                    if (i < axis) a *= x[i];
                    else b *= x[i];
                yield new long[][] {{x[0] < 0 ? -1 : a, b}};
            }
            case ADD, SUB, MUL, DIV -> new long[][] {broadcast(x, g.shape(in.get(1)))};
            case MATMUL -> {
                long[] y = g.shape(in.get(1));
                long[] batchA = Arrays.copyOf(x, x.length - 2), batchB = Arrays.copyOf(y, Math.max(0, y.length - 2));
                long[] lead = broadcast(batchA, batchB);
                long[] out = Arrays.copyOf(lead, lead.length + 2);
                out[lead.length] = x[x.length - 2];
                out[lead.length + 1] = y[y.length - 1];
                yield new long[][] {out};
            }
            case GEMM -> {
                long[] y = g.shape(in.get(1));
                boolean ta = OnnxAttr.integer(attrs, "transA", 0) == 1, tb = OnnxAttr.integer(attrs, "transB", 0) == 1;
                yield new long[][] {{ta ? x[1] : x[0], tb ? y[0] : y[1]}};
            }
            case RESHAPE -> {
                long[] spec = g.constant(in.get(1));
                long[] out = spec.clone();
                long known = 1;
                int infer = -1;
                boolean dynamic = false;
                for (int i = 0; i < out.length; i++) {
                    if (out[i] == 0) out[i] = x[i];
                    if (spec[i] == -1) infer = i;
                    else if (out[i] < 0) dynamic = true;
                    else known *= out[i];
                }
                long total = 1;
                boolean totalDynamic = false;
                for (long d : x)
                    if (d < 0) totalDynamic = true;
                    else total *= d;
                if (infer >= 0) out[infer] = totalDynamic && !dynamic ? -1 : total / known;
                yield new long[][] {out};
            }
            case TRANSPOSE -> {
                long[] perm = OnnxAttr.ints(attrs, "perm", null);
                long[] out = new long[x.length];
                for (int i = 0; i < out.length; i++) out[i] = x[(int) perm[i]];
                yield new long[][] {out};
            }
            case CONCAT -> {
                int axis = (int) OnnxAttr.integer(attrs, "axis", 0);
                long[] out = x.clone();
                for (int i = 1; i < in.size(); i++) out[axis] += g.shape(in.get(i))[axis];
                yield new long[][] {out};
            }
            case PAD -> {
                long[] pads = g.constant(in.get(1));
                long[] out = x.clone();
                for (int i = 0; i < out.length; i++) if (out[i] >= 0) out[i] += pads[i] + pads[i + out.length];
                yield new long[][] {out};
            }
            case SPLIT -> {
                int axis = (int) OnnxAttr.integer(attrs, "axis", 0);
                long[] sizes = g.constant(in.get(1));
                long[][] out = new long[nOut][];
                for (int i = 0; i < nOut; i++) {
                    out[i] = x.clone();
                    out[i][axis] = sizes[i];
                }
                yield out;
            }
            case REDUCE_MEAN -> {
                long[] axes = in.size() > 1 ? g.constant(in.get(1)) : OnnxAttr.ints(attrs, "axes", null);
                boolean keep = OnnxAttr.integer(attrs, "keepdims", 1) == 1;
                long[] out = x.clone();
                for (long a : axes) out[(int) (a < 0 ? a + x.length : a)] = keep ? 1 : Long.MIN_VALUE;
                yield new long[][] {
                    Arrays.stream(out).filter(d -> d != Long.MIN_VALUE).toArray()
                };
            }
            case RESIZE -> {
                float[] scales = g.floatConstant(in.get(2));
                long[] out = x.clone();
                for (int i = 2; i < out.length; i++) out[i] = (long) Math.floor(x[i] * (double) scales[i]);
                yield new long[][] {out};
            }
            default -> new long[][] {x.clone()}; // element-wise and normalisations keep the shape
        };
    }

    private static long[] broadcast(long[] a, long[] b) {
        int n = Math.max(a.length, b.length);
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            long da = i - (n - a.length) >= 0 ? a[i - (n - a.length)] : 1;
            long db = i - (n - b.length) >= 0 ? b[i - (n - b.length)] : 1;
            if (da != 1 && db != 1 && da != db)
                throw new IllegalArgumentException(
                        "cannot broadcast " + Arrays.toString(a) + " with " + Arrays.toString(b));
            out[i] = da == 1 ? db : da;
        }
        return out;
    }
}
