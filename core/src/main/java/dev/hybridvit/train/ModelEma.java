package dev.hybridvit.train;

import ai.djl.ndarray.NDArray;
import dev.hybridvit.nn.Module;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Exponential moving average of a model's weights and buffers (timm's ModelEmaV2):
 * ema ← decay·ema + (1 − decay)·w after every optimizer step; evaluated by swapping it in.
 */
public final class ModelEma implements AutoCloseable {
    private final double decay;
    private final Map<String, NDArray> shadow = new LinkedHashMap<>();

    public ModelEma(Module model, double decay) {
        this.decay = decay;
        model.stateDict().forEach((k, a) -> {
            NDArray copy = a.duplicate();
            copy.setRequiresGradient(false);
            shadow.put(k, copy);
        });
    }

    public void update(Module model) {
        model.stateDict().forEach((k, w) -> {
            NDArray e = shadow.get(k);
            if (w.getDataType().isFloating()) {
                try (NDArray scaled = w.mul(1 - decay)) {
                    e.muli(decay).addi(scaled);
                }
            } else {
                e.set(w.toLongArray()); // counters: copy
            }
        });
    }

    /** The averaged weights under the model's state-dict names. */
    public Map<String, NDArray> weights() { return shadow; }

    @Override
    public void close() {
        shadow.values().forEach(NDArray::close);
    }
}
