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

    /** LayerNormalization (opset 17+) or its decomposition, which ORT fuses back. */
    @Override
    public String toOnnx(OnnxGraph g, String x) {
        String scope = g.scopeOf(this), w = OnnxForms.param(g, weight), b = OnnxForms.param(g, bias);
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
}
