package dev.hybridvit.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.hybridvit.nn.Module;
import dev.hybridvit.nn.Parameter;
import dev.hybridvit.tensor.Tensors;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AdamW (Loshchilov & Hutter): Adam moments with weight decay decoupled from the gradient,
 * p ← p·(1 − lr·wd) − lr·m̂/(√v̂ + ε). As in timm, 1-D parameters (norm weights, biases) and
 * relative position tables are exempt from decay. Optional global-norm gradient clipping.
 */
public final class AdamW {
    private final double beta1, beta2, eps, weightDecay;
    private final Map<String, Parameter> params = new LinkedHashMap<>();
    private final Map<String, NDArray> m = new LinkedHashMap<>(), v = new LinkedHashMap<>();
    private long step;

    public AdamW(Module model, double weightDecay) {
        this(model, 0.9, 0.999, 1e-8, weightDecay);
    }

    public AdamW(Module model, double beta1, double beta2, double eps, double weightDecay) {
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        model.namedSlots().forEach((name, p) -> {
            if (!p.isTrainable() || p.isFrozen()) return; // as torch: a parameter without gradient is not updated
            params.put(name, p);
            m.put(name, p.value().zerosLike());
            v.put(name, p.value().zerosLike());
        });
    }

    /** Whether {@code name} is decayed (timm's rule: not for 1-D tensors, biases or position tables). */
    public static boolean decays(String name, Parameter p) {
        return p.shape().dimension() > 1 && !name.endsWith(".bias") && !name.startsWith("relative_pos");
    }

    public long steps() {
        return step;
    }

    /**
     * One update with the gradients currently held by the parameters.
     *
     * @param clipNorm global gradient-norm limit, or ≤ 0 for none
     * @return the global gradient norm before clipping
     */
    public double step(double lr, double clipNorm) {
        step++;
        double bc1 = 1 - Math.pow(beta1, step), sqrtBc2 = Math.sqrt(1 - Math.pow(beta2, step));
        NDManager owner = params.values().iterator().next().value().getManager();
        try (NDManager scope = owner.newSubManager()) {
            List<NDArray> grads = new ArrayList<>(params.size());
            NDList norms = new NDList(params.size());
            for (Parameter p : params.values()) {
                // getGradient() makes a new handle in the parameter's manager each call: close it with the
                // scope (the gradient itself lives on in the parameter); tempAttach would hand it back.
                NDArray g = p.value().getGradient();
                g.attach(scope);
                grads.add(g);
                norms.add(g.norm());
            }
            double norm = NDArrays.stack(norms).norm().getFloat(); // one read-back for the global norm
            double gradScale = clipNorm > 0 && norm > clipNorm ? clipNorm / (norm + 1e-6) : 1.0;
            // libtorch's fused update (one native call per tensor) computes
            //   w ← w − lr·wd·w;  m, v ← moments of gradScale·g;  w ← w − lrHat·m / (√v + epsHat).
            // With lrHat = lr·√bc2/bc1 and epsHat = eps·√bc2 this is exactly
            //   w ← w − lr·m̂ / (√v̂ + eps)  with m̂ = m/bc1, v̂ = v/bc2 (PyTorch's AdamW).
            float lrHat = (float) (lr * sqrtBc2 / bc1), epsHat = (float) (eps * sqrtBc2);
            int i = 0;
            for (Map.Entry<String, Parameter> e : params.entrySet()) {
                NDArray grad = grads.get(i++), w = e.getValue().value();
                float wd = weightDecay > 0 && decays(e.getKey(), e.getValue()) ? (float) weightDecay : 0f;
                NDList state = new NDList(w, grad, m.get(e.getKey()), v.get(e.getKey()));
                w.getNDArrayInternal()
                        .adamUpdate(
                                state,
                                new NDList(w),
                                (float) lr,
                                lrHat,
                                wd,
                                (float) gradScale,
                                -1f,
                                (float) beta1,
                                (float) beta2,
                                epsHat,
                                false,
                                true);
                Tensors.zeroGradient(w); // libtorch accumulates gradients: clear them (zero_) for the next step
            }
            return norm;
        }
    }

    /** Optimizer state (moments under {@code m.<name>} / {@code v.<name>}) for checkpoints. */
    public Map<String, NDArray> state() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        m.forEach((k, a) -> out.put("m." + k, a));
        v.forEach((k, a) -> out.put("v." + k, a));
        return out;
    }

    /** Restores moments and the step count written by {@link #state}. */
    public void load(Map<String, NDArray> state, long steps) {
        m.forEach((k, a) -> a.set(state.get("m." + k).toFloatArray()));
        v.forEach((k, a) -> a.set(state.get("v." + k).toFloatArray()));
        this.step = steps;
    }
}
