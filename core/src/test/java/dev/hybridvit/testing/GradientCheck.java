package dev.hybridvit.testing;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.training.GradientCollector;
import dev.hybridvit.nn.Module;
import dev.hybridvit.nn.Parameter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Does every trainable parameter get a gradient? One backward pass, then each parameter's gradient
 * must be finite and not all zero. "Zero" means exactly zero: a path cut by a bug (a detached
 * tensor, a scale freed before backward) gives exact zeros, while a parameter whose gradient
 * cancels by construction (a bias in front of a training-mode BN) may come out as float noise or
 * exactly zero, so such names are passed as {@code mayBeZero}. The module's parameters must
 * already require gradients ({@link Module#requireGradients}): the caller decides when, since some
 * tests check that a parameter replaced after that call still requires them.
 */
public final class GradientCheck {
    private GradientCheck() {}

    /** Builds the loss inside a gradient collector and back-propagates it. */
    public static void backward(Supplier<NDArray> loss) {
        try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
            gc.backward(loss.get());
        }
    }

    /**
     * The trainable parameters whose gradient is not finite, or is zero while {@code mayBeZero} does
     * not accept the parameter's state-dict name; each with the reason.
     */
    public static List<String> parametersWithoutGradient(Module module, Predicate<String> mayBeZero) {
        List<String> bad = new ArrayList<>();
        for (Map.Entry<String, Parameter> e : module.namedSlots().entrySet()) {
            if (!e.getValue().isTrainable()) continue;
            boolean finite = true, nonZero = false;
            for (float v : e.getValue().value().getGradient().toFloatArray()) {
                finite &= Float.isFinite(v);
                nonZero |= v != 0;
            }
            if (!finite) bad.add(e.getKey() + " (not finite)");
            else if (!nonZero && !mayBeZero.test(e.getKey())) bad.add(e.getKey() + " (all zero)");
        }
        return bad;
    }

    /** Asserts that every trainable parameter has a finite gradient, non-zero unless {@code mayBeZero} accepts it. */
    public static void assertGradientsFlow(Module module, Predicate<String> mayBeZero) {
        assertThat(parametersWithoutGradient(module, mayBeZero))
                .as("parameters without a finite, non-zero gradient")
                .isEmpty();
    }

    /** As {@link #assertGradientsFlow(Module, Predicate)}, with every gradient required to be non-zero. */
    public static void assertGradientsFlow(Module module) {
        assertGradientsFlow(module, name -> false);
    }
}
