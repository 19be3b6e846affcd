package dev.hybridvit.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.hybridvit.nn.Linear;
import dev.hybridvit.tensor.Tensors;
import dev.hybridvit.testing.GradientCheck;
import org.junit.jupiter.api.Test;

class AdamWTest {
    @Test
    void firstStepMatchesTheFormulaAndDecayExemptsBiases() {
        try (NDManager m = Tensors.newManager()) {
            Linear layer = new Linear(3, 2, true);
            layer.materialize(m);
            layer.requireGradients(true);
            float[] w0 = layer.weight().value().toFloatArray(),
                    b0 = layer.bias().value().toFloatArray();
            NDArray x = m.create(new float[] {1, 2, 3}, new ai.djl.ndarray.types.Shape(1, 3));
            GradientCheck.backward(() -> layer.forward(x).sum());
            AdamW opt = new AdamW(layer, 0.05);
            double lr = 0.1;
            opt.step(lr, 0);
            // step 1: m̂ = g, v̂ = g², so the update is lr·g/(|g|+ε) = lr·sign(g); decay only on the weight
            float[] w1 = layer.weight().value().toFloatArray(),
                    b1 = layer.bias().value().toFloatArray();
            for (int i = 0; i < w0.length; i++) {
                assertThat(w1[i]).isCloseTo((float) (w0[i] * (1 - lr * 0.05) - lr), within(1e-6f));
            }
            for (int i = 0; i < b0.length; i++) assertThat(b1[i]).isCloseTo((float) (b0[i] - lr), within(1e-6f));
            assertThat(layer.weight().value().getGradient().abs().sum().getFloat())
                    .as("gradients cleared")
                    .isZero();
        }
    }

    @Test
    void severalClippedStepsMatchPyTorchAdamW() {
        try (NDManager m = Tensors.newManager()) {
            Linear layer = new Linear(3, 2, false);
            layer.materialize(m);
            layer.requireGradients(true);
            double lr = 0.05, wd = 0.1, clip = 0.5, b1 = 0.9, b2 = 0.999, eps = 1e-8;
            double[] w = toDoubles(layer.weight().value().toFloatArray()),
                    mom = new double[w.length],
                    vel = new double[w.length];
            AdamW opt = new AdamW(layer, wd);
            for (int t = 1; t <= 4; t++) {
                NDArray x = m.create(new float[] {t, -2f * t, 0.5f}, new ai.djl.ndarray.types.Shape(1, 3));
                GradientCheck.backward(() -> layer.forward(x).square().sum());
                double[] g = toDoubles(layer.weight().value().getGradient().toFloatArray());
                double norm =
                        Math.sqrt(java.util.Arrays.stream(g).map(a -> a * a).sum());
                double scale = norm > clip ? clip / (norm + 1e-6) : 1;
                assertThat(opt.step(lr, clip)).isCloseTo(norm, within(1e-4 * norm));
                // torch.optim.AdamW after torch.nn.utils.clip_grad_norm_
                for (int i = 0; i < w.length; i++) {
                    double gi = g[i] * scale;
                    w[i] *= 1 - lr * wd;
                    mom[i] = b1 * mom[i] + (1 - b1) * gi;
                    vel[i] = b2 * vel[i] + (1 - b2) * gi * gi;
                    double mHat = mom[i] / (1 - Math.pow(b1, t)), vHat = vel[i] / (1 - Math.pow(b2, t));
                    w[i] -= lr * mHat / (Math.sqrt(vHat) + eps);
                }
                float[] got = layer.weight().value().toFloatArray();
                for (int i = 0; i < w.length; i++)
                    assertThat((double) got[i]).as("step %d, w[%d]", t, i).isCloseTo(w[i], within(1e-5));
            }
        }
    }

    private static double[] toDoubles(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i];
        return d;
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
