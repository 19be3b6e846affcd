package dev.hybridvit.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.hybridvit.nn.Linear;
import dev.hybridvit.tensor.Tensors;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class AdamWTest {
    @Test
    void firstStepMatchesTheFormulaAndDecayExemptsBiases() {
        try (NDManager m = Tensors.newManager()) {
            Linear layer = new Linear(3, 2, true);
            layer.materialize(m);
            layer.requireGradients(true);
            float[] w0 = layer.weight().value().toFloatArray(), b0 = layer.bias().value().toFloatArray();
            NDArray x = m.create(new float[] {1, 2, 3}, new ai.djl.ndarray.types.Shape(1, 3));
            try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                gc.backward(layer.forward(x).sum());
            }
            AdamW opt = new AdamW(layer, 0.05);
            double lr = 0.1;
            opt.step(lr, 0);
            // step 1: m̂ = g, v̂ = g², so the update is lr·g/(|g|+ε) = lr·sign(g); decay only on the weight
            float[] w1 = layer.weight().value().toFloatArray(), b1 = layer.bias().value().toFloatArray();
            for (int i = 0; i < w0.length; i++) {
                assertThat(w1[i]).isCloseTo((float) (w0[i] * (1 - lr * 0.05) - lr), within(1e-6f));
            }
            for (int i = 0; i < b0.length; i++) assertThat(b1[i]).isCloseTo((float) (b0[i] - lr), within(1e-6f));
            assertThat(layer.weight().value().getGradient().abs().sum().getFloat()).as("gradients cleared").isZero();
        }
    }

    @Test
    void cosineScheduleWarmsUpThenDecays() {
        CosineSchedule s = new CosineSchedule(1e-3, 1e-5, 1e-6, 10, 110);
        assertThat(s.at(0)).isEqualTo(1e-6);
        assertThat(s.at(10)).isCloseTo(1e-3, within(1e-12));
        assertThat(s.at(60)).isCloseTo((1e-3 + 1e-5) / 2, within(1e-9));
        assertThat(s.at(110)).isCloseTo(1e-5, within(1e-12));
    }
}
