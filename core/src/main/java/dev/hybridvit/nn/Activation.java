package dev.hybridvit.nn;

import ai.djl.ndarray.NDArray;
import dev.hybridvit.deploy.onnx.OnnxGraph;
import dev.hybridvit.deploy.onnx.OnnxOp;

import java.util.List;

/** Element-wise activation as a parameter-free module (registered like {@code nn.ReLU()}). */
public final class Activation extends Module {
    /** The activations the three families use. GELU is the exact erf form; Swish is x·sigmoid(x). */
    public enum Kind { RELU, GELU, SWISH }

    public final Kind kind;

    public Activation(Kind kind) { this.kind = kind; }

    public static Activation relu() { return new Activation(Kind.RELU); }
    public static Activation gelu() { return new Activation(Kind.GELU); }
    public static Activation swish() { return new Activation(Kind.SWISH); }

    @Override
    public NDArray forward(NDArray x) {
        return switch (kind) {
            case RELU -> ai.djl.nn.Activation.relu(x);
            case GELU -> ai.djl.nn.Activation.gelu(x);
            case SWISH -> x.mul(ai.djl.nn.Activation.sigmoid(x));
        };
    }

    /** Relu; GELU as x·½·(1+erf(x/√2)) (the pattern ORT fuses into one Gelu kernel); Swish as x·sigmoid(x). */
    @Override
    public String toOnnx(OnnxGraph g, String x) {
        String s = g.scopeOf(this);
        return switch (kind) {
            case RELU -> g.add(OnnxOp.RELU, s, List.of(x));
            case GELU -> {
                String erf = g.add(OnnxOp.ERF, s + "/erf", List.of(g.add(OnnxOp.DIV, s + "/div", List.of(x, g.scalar((float) Math.sqrt(2))))));
                String onePlus = g.add(OnnxOp.ADD, s + "/add", List.of(erf, g.scalar(1f)));
                yield g.add(OnnxOp.MUL, s, List.of(g.add(OnnxOp.MUL, s + "/mul", List.of(x, onePlus)), g.scalar(0.5f)));
            }
            case SWISH -> g.add(OnnxOp.MUL, s, List.of(x, g.add(OnnxOp.SIGMOID, s + "/sigmoid", List.of(x))));
        };
    }
}
