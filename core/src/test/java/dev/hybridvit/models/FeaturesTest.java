package dev.hybridvit.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.hybridvit.tensor.Tensors;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * timm's features contract for every registered classification model (small input): the
 * headless backbone allocates exactly the classifier's non-head slots, under the same seed its
 * features equal the classifier's stage outputs, {@code featureInfo()} gives their channels and
 * reductions and names a real module, and bad {@code out_indices} are rejected.
 */
class FeaturesTest {
    static final int SIZE = 64;

    static List<String> models() {
        return ModelRegistry.names();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void headlessBackboneGivesTheClassifiersStages(String name) {
        ModelOptions options = ModelOptions.defaults().withImageSize(SIZE);
        // same seed: the head's slots come last, so every shared slot gets the same initial values
        try (VisionModel classifier = ModelRegistry.get(name).create(options, 3);
                VisionModel backbone = ModelRegistry.get(name).create(options.headless(false), 3)) {
            List<String> withoutHead = classifier.namedSlots().keySet().stream()
                    .filter(k -> !classifier.partOf(k).equals("head"))
                    .toList();
            assertThat(List.copyOf(backbone.namedSlots().keySet())).isEqualTo(withoutHead);

            NDArray x = classifier.manager().randomNormal(new Shape(1, 3, SIZE, SIZE));
            List<NDArray> stages = classifier.forwardStages(x);
            List<NDArray> features = backbone.features(x, 1, 3);
            List<FeatureInfo> info = backbone.featureInfo();
            assertThat(features).hasSize(2);
            for (int k = 0; k < 2; k++) {
                int i = 2 * k + 1;
                assertThat(Tensors.toFloats(features.get(k))).isEqualTo(Tensors.toFloats(stages.get(i)));
                int side = (int) Math.ceil((double) SIZE / info.get(i).reduction());
                assertThat(features.get(k).getShape())
                        .isEqualTo(new Shape(1, info.get(i).channels(), side, side));
                assertThat(backbone.namedModules()).containsKey(info.get(i).module());
            }
            assertThatThrownBy(() -> backbone.forward(x)).hasMessageContaining("headless");
            assertThatThrownBy(() -> backbone.features(x, 2, 1)).hasMessageContaining("out-indices [2, 1]");
            assertThatThrownBy(() -> backbone.features(x, 4)).hasMessageContaining("0..3");
        }
    }
}
