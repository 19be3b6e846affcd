package dev.hybridvit.nn;

import ai.djl.ndarray.NDArray;

/** Element-wise activation as a parameter-free module (registered like {@code nn.ReLU()}). */
public final class Activation extends Module {
    /** The activations the three families use. GELU is the exact erf form; Swish is x·sigmoid(x). */
    public enum Kind {
        RELU,
        GELU,
        SWISH
    }

    public final Kind kind;

    public Activation(Kind kind) {
        this.kind = kind;
    }

    public static Activation relu() {
        return new Activation(Kind.RELU);
    }

    public static Activation gelu() {
        return new Activation(Kind.GELU);
    }

    public static Activation swish() {
        return new Activation(Kind.SWISH);
    }

    @Override
    public NDArray forward(NDArray x) {
        return switch (kind) {
            case RELU -> ai.djl.nn.Activation.relu(x);
            case GELU -> ai.djl.nn.Activation.gelu(x);
            case SWISH -> x.mul(ai.djl.nn.Activation.sigmoid(x));
        };
    }
}
