package dev.hybridvit.nn;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.List;

/** Children named 0, 1, 2, … applied in order ({@code nn.Sequential}). */
public final class Sequential extends Module implements Reparameterizable {
    private final List<Module> layers = new ArrayList<>();

    public Sequential(Module... layers) {
        for (Module m : layers) add(m);
    }

    public Sequential add(Module m) {
        register(Integer.toString(layers.size()), m);
        layers.add(m);
        return this;
    }

    public Module get(int i) {
        return layers.get(i);
    }

    public int size() {
        return layers.size();
    }

    public List<Module> layers() {
        return List.copyOf(layers);
    }

    @Override
    public NDArray forward(NDArray x) {
        for (Module m : layers) x = m.forward(x);
        return x;
    }

    /** Folds every BatchNorm that directly follows a conv into it. */
    @Override
    public void reparameterize() {
        for (int i = 1; i < layers.size(); i++) {
            if (layers.get(i - 1) instanceof Conv2d conv && layers.get(i) instanceof BatchNorm bn) bn.foldInto(conv);
        }
    }
}
