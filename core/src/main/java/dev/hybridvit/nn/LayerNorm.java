package dev.hybridvit.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.hybridvit.deploy.onnx.OnnxAttr;
import dev.hybridvit.deploy.onnx.OnnxGraph;
import dev.hybridvit.deploy.onnx.OnnxOp;

import java.util.List;

/** Layer normalisation over the last axis ({@code nn.LayerNorm(C, eps)}). */
public final class LayerNorm extends Module {
    public final int channels;
    public final double eps;
    private final Parameter weight, bias;

    public LayerNorm(int channels, double eps) {
        this.channels = channels;
        this.eps = eps;
        this.weight = parameter("weight", new Shape(channels), Init.ONES);
        this.bias = parameter("bias", new Shape(channels), Init.ZEROS);
    }

    @Override
    public NDArray forward(NDArray x) {
        return ai.djl.nn.norm.LayerNorm.layerNorm(x, new Shape(channels), weight.value(), bias.value(), (float) eps)
                .singletonOrThrow();
    }

    /** γ and β as a per-channel affine {s, t} in float64, for folding into the next linear op. */
    public double[][] affine() {
        float[] g = weight.value().toFloatArray(), b = bias.value().toFloatArray();
        double[] s = new double[channels], t = new double[channels];
        for (int c = 0; c < channels; c++) {
            s[c] = g[c];
            t[c] = b[c];
        }
        return new double[][] {s, t};
    }

    /**
     * A normalised value and the affine map still to be applied to it: {@code affine} is null when
     * γ and β are already in the graph, otherwise the consumer (a linear op) must fold it in.
     */
    public record Normalized(String value, double[][] affine) {}

    /**
     * ONNX form that leaves γ and β to the consumer in the deploy form (see
     * {@link #deployNormalizeOnnx}); in the plain form it is {@link #toOnnx} with nothing left over.
     */
    public Normalized normalizeOnnx(OnnxGraph g, String x) {
        return g.foldBatchNorm() && canDeploy(g, x) ? new Normalized(deployNormalizeOnnx(g, x), affine())
                : new Normalized(toOnnx(g, x), null);
    }

    /** LayerNormalization (opset 17+) or its decomposition, which ORT fuses back; the deploy form see {@link #deployNormalizeOnnx}. */
    @Override
    public String toOnnx(OnnxGraph g, String x) {
        String scope = g.scopeOf(this), w = OnnxForms.param(g, weight), b = OnnxForms.param(g, bias);
        if (g.foldBatchNorm() && canDeploy(g, x)) {
            String scaled = g.add(OnnxOp.MUL, scope + "/scaled", List.of(deployNormalizeOnnx(g, x), w));
            return g.add(OnnxOp.ADD, scope, List.of(scaled, b));
        }
        if (g.opset() >= 17) {
            return g.add(OnnxOp.LAYER_NORM, scope, List.of(x, w, b), OnnxAttr.i("axis", -1), OnnxAttr.f("epsilon", eps));
        }
        String mean = g.reduceMean(x, scope + "/mean", true, -1);
        String d = g.add(OnnxOp.SUB, scope + "/centered", List.of(x, mean));
        String var = g.reduceMean(g.add(OnnxOp.MUL, scope + "/sq", List.of(d, d)), scope + "/var", true, -1);
        String std = g.add(OnnxOp.SQRT, scope + "/std", List.of(g.add(OnnxOp.ADD, scope + "/var_eps", List.of(var, g.scalar((float) eps)))));
        String y = g.add(OnnxOp.DIV, scope + "/normed", List.of(d, std));
        return g.add(OnnxOp.ADD, scope, List.of(g.add(OnnxOp.MUL, scope + "/scaled", List.of(y, w)), b));
    }

    /** The deploy form needs B×N×C tokens with a static N (the dynamic axis may only be the batch). */
    private static boolean canDeploy(OnnxGraph g, String x) {
        long[] s = g.shape(x);
        return s.length == 3 && s[1] > 0;
    }

    /**
     * (x − mean)/√(var + ε) over the channels, without γ and β, as InstanceNormalization on the
     * B×N×C tokens read as N "channels" of C values each (scale 1, bias 0). Same function as
     * LayerNormalization, but ORT 1.29's LayerNormalization kernel sums each row in a scalar,
     * latency-bound loop; its InstanceNormalization kernel (vectorised Eigen reductions) measured
     * 4× faster on CMT's token sizes, which took CMT-S from 54 to 49 ms.
     */
    private String deployNormalizeOnnx(OnnxGraph g, String x) {
        int n = (int) g.shape(x)[1];
        String ones = g.filled(1f, n), zeros = g.filled(0f, n);
        return g.add(OnnxOp.INSTANCE_NORM, g.scopeOf(this) + "/normalized", List.of(x, ones, zeros), OnnxAttr.f("epsilon", eps));
    }
}
