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

    /** Models under 12 M parameters: every family and stage type, quick to build and run. */
    static List<String> compactModels() {
        return ModelRegistry.names().stream()
                .filter(n -> ModelRegistry.get(n)
                                .architecture(ModelOptions.defaults().withImageSize(SIZE))
                                .parameterCount()
                        < 12_000_000)
                .toList();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void headlessBackboneIsTheClassifierWithoutItsHead(String name) {
        ModelOptions options = ModelOptions.defaults().withImageSize(SIZE);
        VisionModel classifier = ModelRegistry.get(name).architecture(options);
        VisionModel backbone = ModelRegistry.get(name).architecture(options.headless(false));
        List<String> withoutHead = classifier.namedSlots().keySet().stream()
                .filter(k -> !classifier.partOf(k).equals("head"))
                .toList();
        assertThat(List.copyOf(backbone.namedSlots().keySet())).isEqualTo(withoutHead);
        List<FeatureInfo> info = backbone.featureInfo();
        assertThat(info).hasSize(backbone.numStages());
        for (int i = 0; i < info.size(); i++) {
            assertThat(info.get(i).channels()).isEqualTo(classifier.stageChannels()[i]);
            assertThat(info.get(i).reduction()).isEqualTo(classifier.stageStrides()[i]);
            assertThat(backbone.namedModules()).containsKey(info.get(i).module());
        }
    }

    /** Next-ViT's dense backbone: the official extra norms, the restored {@code norm}, no classifier. */
    @org.junit.jupiter.api.Test
    void nextVitDenseBackboneHasTheOfficialNorms() {
        VisionModel dense = ModelRegistry.get("nextvit_small")
                .architecture(ModelOptions.defaults().headless(true));
        assertThat(dense.parameterCount()).isEqualTo(30_742_144);
        assertThat(dense.namedSlots())
                .containsKeys("extra_norm_list.0.weight", "extra_norm_list.3.running_var", "norm.weight")
                .doesNotContainKey("proj_head.0.weight");
        assertThat(dense.featureInfo().stream().map(FeatureInfo::module))
                .containsExactly("extra_norm_list.0", "extra_norm_list.1", "extra_norm_list.2", "norm");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("compactModels")
    void headlessBackboneGivesTheClassifiersStages(String name) {
        ModelOptions options = ModelOptions.defaults().withImageSize(SIZE);
        // same seed: the head's slots come last, so every shared slot gets the same initial values
        try (VisionModel classifier = ModelRegistry.get(name).create(options, 3);
                VisionModel backbone = ModelRegistry.get(name).create(options.headless(false), 3)) {
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
