package dev.hybridvit.models.cmt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.VisionModel;
import dev.hybridvit.tensor.Tensors;
import dev.hybridvit.weights.ReferenceFill;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Resolution change of CMT: bias resizing, {@code setInputSize}, checkpoint adaptation, size checks. */
class RelativePositionBiasTest {

    /** Values r ∈ [−1, 1) of the reference stream: deterministic test data. */
    private static float[] data(long seed, int n) {
        double[] u = ReferenceFill.uniform(seed, n);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) out[i] = (float) (2 * u[i] - 1);
        return out;
    }

    @Test
    void resizeToSameGridIsBitIdentical() {
        try (NDManager m = Tensors.newManager()) {
            float[] v = data(1, 2 * 49 * 16);
            NDArray bias = Tensors.fromFloats(m, v, 2, 49, 16);
            NDArray same = RelativePositionBias.resize(bias, 7, 4);
            assertThat(same.getShape()).isEqualTo(bias.getShape());
            assertThat(same.toFloatArray()).containsExactly(v);
            assertThat(same).isNotSameAs(bias);
        }
    }

    @Test
    void resizeIsSeparableBicubicOverQueryThenKeyGrid() {
        int heads = 2, q = 5, k = 3, q2 = 7, k2 = 4;
        float[] v = data(2, heads * q * q * k * k);
        try (NDManager m = Tensors.newManager()) {
            float[] ours = RelativePositionBias.resize(Tensors.fromFloats(m, v, heads, q * q, k * k), q2, k2)
                    .toFloatArray();
            // independent reference: PyTorch's upsample_bicubic2d (align_corners=False, a=-0.75) in double
            double[] expected = new double[heads * q2 * q2 * k2 * k2];
            for (int h = 0; h < heads; h++) {
                for (int qi = 0; qi < q2 * q2; qi++) {
                    for (int ki = 0; ki < k2 * k2; ki++) {
                        final int hh = h, kq = ki / k2, kx0 = ki % k2;
                        // value at (query qi on the q2 grid, key ki on the k2 grid): 2-D bicubic over the query grid of
                        // the key-grid-resized maps, i.e. a 4-D tensor-product interpolation
                        double acc = bicubicAt(
                                q,
                                q2,
                                qi / q2,
                                qi % q2,
                                (qy, qx) -> bicubicAt(
                                        k,
                                        k2,
                                        kq,
                                        kx0,
                                        (ky, kx) -> v[(hh * q * q + qy * q + qx) * k * k + ky * k + kx]));
                        expected[(h * q2 * q2 + qi) * k2 * k2 + ki] = acc;
                    }
                }
            }
            assertThat(ours).hasSize(expected.length);
            for (int i = 0; i < ours.length; i++) {
                assertThat((double) ours[i])
                        .as("element %d", i)
                        .isCloseTo(expected[i], org.assertj.core.data.Offset.offset(2e-5));
            }
        }
    }

    @Test
    void constantBiasStaysConstant() {
        try (NDManager m = Tensors.newManager()) {
            NDArray bias = m.full(new ai.djl.ndarray.types.Shape(4, 100, 25), 0.375f);
            NDArray resized = RelativePositionBias.resize(bias, 14, 7);
            assertThat(resized.getShape()).isEqualTo(new ai.djl.ndarray.types.Shape(4, 196, 49));
            for (float x : resized.toFloatArray())
                assertThat(x).isCloseTo(0.375f, org.assertj.core.data.Offset.offset(1e-6f));
        }
    }

    @Test
    void setInputSizeResizesBiasesAndTheModelRuns() {
        var spec = ModelRegistry.get("cmt_ti");
        try (VisionModel built = spec.create(ModelOptions.defaults(), 3)) {
            CMT model = (CMT) built;
            assertThat(model.imageSize()).isEqualTo(160);
            Map<String, float[]> before = biases(model);
            List<String> keysBefore = List.copyOf(model.namedSlots().keySet());

            model.setInputSize(160);
            biases(model).forEach((k, v) -> assertThat(v).as(k).containsExactly(before.get(k)));

            model.setInputSize(224);
            assertThat(model.imageSize()).isEqualTo(224);
            assertThat(model.options().imageSize()).isEqualTo(224);
            assertThat(List.copyOf(model.namedSlots().keySet())).isEqualTo(keysBefore);
            assertThat(signature(model))
                    .isEqualTo(
                            signature(spec.architecture(ModelOptions.defaults().withImageSize(224))));
            assertThat(model.stateDict().get("relative_pos_a").getShape().getShape())
                    .containsExactly(1, 56 * 56, 7 * 7);
            assertThat(model.stateDict().get("relative_pos_d").getShape().getShape())
                    .containsExactly(8, 7 * 7, 7 * 7);
            // the parameter count follows the biases (the official cmt_pytorch/cmt.py builds CMT-Ti at
            // img_size=224 with 9,705,546)
            assertThat(model.parameterCount()).isEqualTo(9_705_546L);

            NDArray x = model.manager().randomUniform(-1, 1, new ai.djl.ndarray.types.Shape(1, 3, 224, 224));
            NDArray logits = model.predict(x);
            assertThat(logits.getShape().getShape()).containsExactly(1, 1000);
            assertThat(Tensors.maxAbs(logits.toFloatArray())).isFinite();
            assertThatThrownBy(
                            () -> model.predict(model.manager().zeros(new ai.djl.ndarray.types.Shape(1, 3, 160, 160))))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("224x224")
                    .hasMessageContaining("setInputSize");

            model.setInputSize(128);
            assertThat(signature(model))
                    .isEqualTo(
                            signature(spec.architecture(ModelOptions.defaults().withImageSize(128))));
            assertThat(model.predict(model.manager().zeros(new ai.djl.ndarray.types.Shape(1, 3, 128, 128)))
                            .getShape()
                            .get(1))
                    .isEqualTo(1000);
        }
    }

    @Test
    void setInputSizeOnAnArchitectureOnlyModelChangesShapes() {
        CMT model = (CMT) ModelRegistry.get("cmt_xs").architecture(ModelOptions.defaults());
        model.setInputSize(256);
        assertThat(signature(model))
                .isEqualTo(signature(ModelRegistry.get("cmt_xs")
                        .architecture(ModelOptions.defaults().withImageSize(256))));
    }

    @Test
    void adaptStateDictResizesCheckpointBiasesLikeSetInputSize() {
        var spec = ModelRegistry.get("cmt_ti");
        try (VisionModel source = spec.create(ModelOptions.defaults(), 5);
                VisionModel target = spec.create(ModelOptions.defaults().withImageSize(192), 6)) {
            Map<String, NDArray> checkpoint = new LinkedHashMap<>(source.stateDict());
            Map<String, NDArray> adapted = CMT.adaptStateDict(checkpoint, target);
            assertThat(adapted.keySet()).containsExactlyElementsOf(checkpoint.keySet());
            assertThat(adapted.get("stem_conv1.weight")).isSameAs(checkpoint.get("stem_conv1.weight"));
            target.loadStateDict(adapted);

            ((CMT) source).setInputSize(192);
            Map<String, float[]> expected = biases((CMT) source);
            biases((CMT) target).forEach((k, v) -> assertThat(v).as(k).containsExactly(expected.get(k)));
            // a checkpoint that already fits passes through untouched
            Map<String, NDArray> fitting = CMT.adaptStateDict(target.stateDict(), target);
            fitting.forEach((k, v) -> assertThat(v).isSameAs(target.stateDict().get(k)));
        }
    }

    @Test
    void sizesThatAreNotMultiplesOf32AreRejected() {
        var spec = ModelRegistry.get("cmt_ti");
        assertThatThrownBy(() -> spec.architecture(ModelOptions.defaults().withImageSize(200)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("multiple of 32")
                .hasMessageContaining("200");
        CMT model = (CMT) spec.architecture(ModelOptions.defaults());
        assertThatThrownBy(() -> model.setInputSize(100)).hasMessageContaining("multiple of 32");
        assertThatThrownBy(() -> model.checkInputSize(160, 192)).hasMessageContaining("160x160");
        model.checkInputSize(160, 160);
    }

    private static Map<String, float[]> biases(CMT model) {
        Map<String, float[]> out = new LinkedHashMap<>();
        model.stateDict().forEach((k, v) -> {
            if (k.startsWith("relative_pos")) out.put(k, v.toFloatArray());
        });
        return out;
    }

    private static List<String> signature(VisionModel model) {
        return model.namedSlots().entrySet().stream()
                .map(e -> e.getKey() + " " + e.getValue().shape())
                .toList();
    }

    private interface Grid {
        double at(int y, int x);
    }

    /** PyTorch's bicubic (align_corners=False, a = −0.75, edge clamp) of an n×n map at output pixel (oy, ox) of m×m. */
    private static double bicubicAt(int n, int m, int oy, int ox, Grid g) {
        double scale = (double) n / m;
        double ry = scale * (oy + 0.5) - 0.5, rx = scale * (ox + 0.5) - 0.5;
        int iy = (int) Math.floor(ry), ix = (int) Math.floor(rx);
        double[] wy = weights(ry - iy), wx = weights(rx - ix);
        double acc = 0;
        for (int a = 0; a < 4; a++) {
            for (int b = 0; b < 4; b++) {
                int y = Math.min(Math.max(iy - 1 + a, 0), n - 1), x = Math.min(Math.max(ix - 1 + b, 0), n - 1);
                acc += wy[a] * wx[b] * g.at(y, x);
            }
        }
        return acc;
    }

    private static double[] weights(double t) {
        double a = -0.75;
        return new double[] {far(t + 1, a), near(t, a), near(1 - t, a), far(2 - t, a)};
    }

    private static double near(double x, double a) {
        return ((a + 2) * x - (a + 3)) * x * x + 1;
    }

    private static double far(double x, double a) {
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
    }
}
