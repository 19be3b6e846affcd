package dev.hybridvit.models.trtvit;

import ai.djl.ndarray.NDArray;
import dev.hybridvit.nn.Activation;
import dev.hybridvit.nn.Linear;
import dev.hybridvit.nn.Module;

/** Transformer MLP on tokens: {@code fc1} (C→3C) → GELU (erf) → {@code fc2} (3C→C), both with bias. */
public final class TokenMlp extends Module {
    public final Linear fc1, fc2;
    public final Activation act;

    TokenMlp(int dim, int hidden) {
        fc1 = register("fc1", new Linear(dim, hidden, true));
        act = register("act", Activation.gelu());
        fc2 = register("fc2", new Linear(hidden, dim, true));
    }

    @Override
    public NDArray forward(NDArray x) {
        return fc2.forward(act.forward(fc1.forward(x)));
    }
}
