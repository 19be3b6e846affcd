package dev.hybridvit.export;

import static dev.hybridvit.export.Emitters.emit;

import dev.hybridvit.export.onnx.OnnxAttr;
import dev.hybridvit.export.onnx.OnnxGraph;
import dev.hybridvit.export.onnx.OnnxOp;
import dev.hybridvit.nn.Activation;
import dev.hybridvit.nn.AvgPool2d;
import dev.hybridvit.nn.BatchNorm;
import dev.hybridvit.nn.Conv2d;
import dev.hybridvit.nn.ConvMlp;
import dev.hybridvit.nn.DropPath;
import dev.hybridvit.nn.Dropout;
import dev.hybridvit.nn.GroupNorm;
import dev.hybridvit.nn.Identity;
import dev.hybridvit.nn.LayerNorm;
import dev.hybridvit.nn.LayerScale;
import dev.hybridvit.nn.Linear;
import dev.hybridvit.nn.MaxPool2d;
import dev.hybridvit.nn.Module;
import dev.hybridvit.nn.Parameter;
import dev.hybridvit.nn.PatchEmbed;
import dev.hybridvit.nn.Sequential;
import java.util.Arrays;
import java.util.List;

/** The ONNX forms of the {@code nn} layers, each mirroring the layer's eval-mode forward. */
public final class LayerForms {
    private LayerForms() {}

    static void addTo(Emitters.Table t) {
        t.add(Conv2d.class, LayerForms::conv)
                .add(BatchNorm.class, LayerForms::batchNorm)
                .add(Linear.class, (g, l, x) -> linear(g, l, x, 1.0, null))
                .add(LayerNorm.class, LayerForms::layerNorm)
                .add(Activation.class, LayerForms::activation)
                .add(AvgPool2d.class, LayerForms::avgPool)
                .add(MaxPool2d.class, LayerForms::maxPool)
                .add(GroupNorm.class, LayerForms::groupNorm)
                .add(
                        LayerScale.class,
                        (g, m, x) -> g.add(OnnxOp.MUL, g.scopeOf(m), List.of(x, perChannel(g, m.gamma()))))
                .add(Sequential.class, LayerForms::sequential)
                .add(Identity.class, (g, m, x) -> x)
                .add(Dropout.class, (g, m, x) -> x)
                .add(DropPath.class, (g, m, x) -> x)
                .add(PatchEmbed.class, LayerForms::patchEmbed)
                .add(ConvMlp.class, (g, m, x) -> emit(g, m.conv2, emit(g, m.act, emit(g, m.conv1, x))));
    }

    static String conv(OnnxGraph g, Conv2d conv, String x) {
        String w = OnnxForms.param(g, conv.weight());
        return convNode(g, conv, x, w, conv.bias() == null ? null : OnnxForms.param(g, conv.bias()), conv.groups);
    }

    /** {@code conv}'s node with the given weight/bias initializers and group count. */
    static String convNode(OnnxGraph g, Conv2d conv, String x, String w, String b, int groups) {
        List<String> inputs = b == null ? List.of(x, w) : List.of(x, w, b);
        return g.add(
                OnnxOp.CONV,
                g.scopeOf(conv),
                inputs,
                OnnxAttr.ints("kernel_shape", conv.kernel, conv.kernel),
                OnnxAttr.ints("strides", conv.stride, conv.stride),
                OnnxAttr.ints("pads", conv.padding, conv.padding, conv.padding, conv.padding),
                OnnxAttr.ints("dilations", 1, 1),
                OnnxAttr.i("group", groups));
    }

    /** Eval-mode BatchNormalization (axis 1, any rank ≥ 2); nothing once folded into a neighbour. */
    static String batchNorm(OnnxGraph g, BatchNorm bn, String x) {
        if (bn.isFolded()) return x;
        return g.add(
                OnnxOp.BATCH_NORM,
                g.scopeOf(bn),
                List.of(
                        x,
                        OnnxForms.param(g, bn.weight()),
                        OnnxForms.param(g, bn.bias()),
                        OnnxForms.param(g, bn.runningMean()),
                        OnnxForms.param(g, bn.runningVar())),
                OnnxAttr.f("epsilon", BatchNorm.EPS));
    }

    /**
     * The node over {@code padded} ≥ C channels (see {@link OnnxForms#nchwcChannels}); the extra
     * channels get γ = β = μ = 0, σ² = 1, so they map to 0.
     */
    static String batchNormPadded(OnnxGraph g, BatchNorm bn, String x, int padded) {
        int c = bn.channels;
        if (padded == c || bn.isFolded()) return batchNorm(g, bn, x);
        String s = g.scopeOf(bn);
        float[] var = Arrays.copyOf(bn.runningVar().value().toFloatArray(), padded);
        Arrays.fill(var, c, padded, 1f);
        return g.add(
                OnnxOp.BATCH_NORM,
                s,
                List.of(
                        x,
                        g.initializer(
                                s + ".weight_padded",
                                OnnxForms.padOutputs(bn.weight().value().toFloatArray(), c, padded),
                                padded),
                        g.initializer(
                                s + ".bias_padded",
                                OnnxForms.padOutputs(bn.bias().value().toFloatArray(), c, padded),
                                padded),
                        g.initializer(
                                s + ".running_mean_padded",
                                OnnxForms.padOutputs(bn.runningMean().value().toFloatArray(), c, padded),
                                padded),
                        g.initializer(s + ".running_var_padded", var, padded)),
                OnnxAttr.f("epsilon", BatchNorm.EPS));
    }

    /**
     * A linear layer with its output multiplied by a constant {@code scale} (e.g. attention's d^-½
     * folded into q) and a preceding per-channel affine ({@code preAffine}, a LayerNorm's γ, β;
     * null for none) folded into weight and bias: Gemm on a 2-D input, MatMul + Add otherwise.
     */
    static String linear(OnnxGraph g, Linear l, String x, double scale, double[][] preAffine) {
        float[][] wb = OnnxForms.weights(l, scale, preAffine);
        return OnnxForms.linear(g, g.scopeOf(l), x, wb[0], wb[1], l.out, l.in);
    }

    /** LayerNormalization (opset 17+) or its decomposition, which ORT fuses back; in a deploy graph see {@link #normalize}. */
    static String layerNorm(OnnxGraph g, LayerNorm ln, String x) {
        if (ln.channelsFirst) {
            String scope = g.scopeOf(ln);
            String last = g.transpose(x, scope + "/channels_last", 0, 2, 3, 1);
            return g.transpose(normalizeLast(g, ln, last), scope + "/channels_first", 0, 3, 1, 2);
        }
        return normalizeLast(g, ln, x);
    }

    private static String normalizeLast(OnnxGraph g, LayerNorm ln, String x) {
        String scope = g.scopeOf(ln), w = OnnxForms.param(g, ln.weight()), b = OnnxForms.param(g, ln.bias());
        if (g.deploy() && canDeploy(g, x)) {
            String scaled = g.add(OnnxOp.MUL, scope + "/scaled", List.of(instanceNormalize(g, ln, x), w));
            return g.add(OnnxOp.ADD, scope, List.of(scaled, b));
        }
        if (g.opset() >= 17) {
            return g.add(
                    OnnxOp.LAYER_NORM, scope, List.of(x, w, b), OnnxAttr.i("axis", -1), OnnxAttr.f("epsilon", ln.eps));
        }
        String mean = g.reduceMean(x, scope + "/mean", true, -1);
        String d = g.add(OnnxOp.SUB, scope + "/centered", List.of(x, mean));
        String var = g.reduceMean(g.add(OnnxOp.MUL, scope + "/sq", List.of(d, d)), scope + "/var", true, -1);
        String std = g.add(
                OnnxOp.SQRT, scope + "/std", List.of(g.add(OnnxOp.ADD, scope + "/var_eps", List.of(var, g.scalar((float)
                        ln.eps)))));
        String y = g.add(OnnxOp.DIV, scope + "/normed", List.of(d, std));
        return g.add(OnnxOp.ADD, scope, List.of(g.add(OnnxOp.MUL, scope + "/scaled", List.of(y, w)), b));
    }

    /**
     * A normalised value and the affine map still to be applied to it: {@code affine} is null when
     * γ and β are already in the graph, otherwise the consumer (a linear op) must fold it in.
     */
    record Normalized(String value, double[][] affine) {}

    /** A LayerNorm that leaves γ and β to its consumer in a deploy graph; in the plain form the whole norm. */
    static Normalized normalize(OnnxGraph g, LayerNorm ln, String x) {
        return g.deploy() && canDeploy(g, x)
                ? new Normalized(instanceNormalize(g, ln, x), ln.affine())
                : new Normalized(layerNorm(g, ln, x), null);
    }

    /** The deploy form needs B×N×C tokens with a static N (the dynamic axis may only be the batch). */
    private static boolean canDeploy(OnnxGraph g, String x) {
        long[] s = g.shape(x);
        return s.length == 3 && s[1] > 0;
    }

    /**
     * (x − mean)/√(var + ε) over the channels, without γ and β, as InstanceNormalization on the
     * B×N×C tokens read as N "channels" of C values each (scale 1, bias 0): the same function as
     * LayerNormalization, on a kernel ORT vectorises better (see docs/performance.md).
     */
    private static String instanceNormalize(OnnxGraph g, LayerNorm ln, String x) {
        int n = (int) g.shape(x)[1];
        String ones = g.filled(1f, n), zeros = g.filled(0f, n);
        return g.add(
                OnnxOp.INSTANCE_NORM,
                g.scopeOf(ln) + "/normalized",
                List.of(x, ones, zeros),
                OnnxAttr.f("epsilon", ln.eps));
    }

    static String activation(OnnxGraph g, Activation a, String x) {
        String s = g.scopeOf(a);
        return switch (a.kind) {
            case RELU -> g.add(OnnxOp.RELU, s, List.of(x));
            case GELU -> {
                String erf =
                        g.add(OnnxOp.ERF, s + "/erf", List.of(g.add(OnnxOp.DIV, s + "/div", List.of(x, g.scalar((float)
                                Math.sqrt(2))))));
                String onePlus = g.add(OnnxOp.ADD, s + "/add", List.of(erf, g.scalar(1f)));
                yield g.add(OnnxOp.MUL, s, List.of(g.add(OnnxOp.MUL, s + "/mul", List.of(x, onePlus)), g.scalar(0.5f)));
            }
            case SWISH -> g.add(OnnxOp.MUL, s, List.of(x, g.add(OnnxOp.SIGMOID, s + "/sigmoid", List.of(x))));
        };
    }

    static String avgPool(OnnxGraph g, AvgPool2d p, String x) {
        return g.add(
                OnnxOp.AVERAGE_POOL,
                g.scopeOf(p),
                List.of(x),
                OnnxAttr.ints("kernel_shape", p.kernel, p.kernel),
                OnnxAttr.ints("strides", p.stride, p.stride),
                OnnxAttr.ints("pads", p.padding, p.padding, p.padding, p.padding),
                // at stride 1 ceil mode changes no output size; off, the padded border windows stay the plain ONNX case
                OnnxAttr.i("ceil_mode", p.stride == 1 ? 0 : 1),
                OnnxAttr.i("count_include_pad", 0));
    }

    /**
     * GroupNorm as InstanceNormalization over the B×G×(C/G·H·W) view (each group read as one
     * "channel", scale 1, bias 0), then the per-channel γ, β on the map.
     */
    static String groupNorm(OnnxGraph g, GroupNorm gn, String x) {
        String s = g.scopeOf(gn);
        long[] shape = g.shape(x);
        String grouped = g.reshape(x, s + "/grouped", 0, gn.groups, shape[1] / gn.groups * shape[2] * shape[3]);
        String normalized = g.add(
                OnnxOp.INSTANCE_NORM,
                s + "/normalized",
                List.of(grouped, g.filled(1f, gn.groups), g.filled(0f, gn.groups)),
                OnnxAttr.f("epsilon", gn.eps));
        String map = g.reshape(normalized, s + "/map", 0, shape[1], shape[2], shape[3]);
        String scaled = g.add(OnnxOp.MUL, s + "/scaled", List.of(map, perChannel(g, gn.weight())));
        return g.add(OnnxOp.ADD, s, List.of(scaled, perChannel(g, gn.bias())));
    }

    /** A length-C parameter as a C×1×1 initializer, broadcasting over a B×C×H×W map. */
    private static String perChannel(OnnxGraph g, Parameter p) {
        long c = p.shape().get(0);
        return g.initializer(p, g.scopeOf(p), () -> p.value().toFloatArray(), c, 1, 1);
    }

    static String maxPool(OnnxGraph g, MaxPool2d p, String x) {
        return g.add(
                OnnxOp.MAX_POOL,
                g.scopeOf(p),
                List.of(x),
                OnnxAttr.ints("kernel_shape", p.kernel, p.kernel),
                OnnxAttr.ints("strides", p.stride, p.stride),
                OnnxAttr.ints("pads", p.padding, p.padding, p.padding, p.padding),
                OnnxAttr.i("ceil_mode", 0));
    }

    /** Global average pool + flatten: N×C×H×W → N×C. */
    static String globalPool(OnnxGraph g, String hint, String x) {
        return g.add(
                OnnxOp.FLATTEN,
                hint,
                List.of(g.add(OnnxOp.GLOBAL_AVERAGE_POOL, hint + "/gap", List.of(x))),
                OnnxAttr.i("axis", 1));
    }

    static String sequential(OnnxGraph g, Sequential s, String x) {
        for (Module m : s.layers()) x = emit(g, m, x);
        return x;
    }

    static String patchEmbed(OnnxGraph g, PatchEmbed p, String x) {
        if (p.avgpool != null) x = emit(g, p.avgpool, x);
        return p.conv == null ? x : batchNorm(g, p.norm, conv(g, p.conv, x));
    }
}
