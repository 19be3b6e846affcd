package dev.hybridvit.weights;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.VisionModel;
import dev.hybridvit.testing.ReferenceCase;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The whole loader path on the real {@code cmt_ti_160_s2024.pth} (a torch.save training
 * checkpoint) into the CMT-Ti model: strict load, classifier reset, and a load at another
 * resolution through CMT's relative-position-bias adapter.
 */
class CmtReferenceLoadTest {
    private static Path file() {
        return ReferenceCase.directory().resolve("cmt_ti_160_s2024.pth");
    }

    private static VisionModel cmtTi(int classes, int size) {
        return ModelRegistry.get("cmt_ti")
                .create(ModelOptions.defaults().withNumClasses(classes).withImageSize(size), 0);
    }

    @Test
    void referenceCheckpointLoadsStrictly() throws Exception {
        try (VisionModel model = cmtTi(1000, 160)) {
            assertThat(model.namedSlots()).hasSize(708);
            WeightsLoader.Result r = WeightsLoader.load(model, file());
            assertThat(r.naming()).isEqualTo(KeyNaming.CMT_OFFICIAL);
            assertThat(r.location()).isEqualTo("model");
            assertThat(r.loaded()).isEqualTo(708);
            assertThat(r.isComplete()).isTrue();
            assertThat(r.metadata()).containsEntry("epoch", "299");
            ReferenceFill fill = ReferenceCase.named("cmt_ti_160_s2024").fill();
            assertThat(model.stateDict().get("relative_pos_a").toFloatArray())
                    .containsExactly(fill.tensor(0, "relative_pos_a", new long[] {1, 1600, 25}));
            assertThat(r.describe())
                    .startsWith(
                            "loaded 708 tensors from cmt_ti_160_s2024.pth (pth, official CMT names, state dict under 'model')");
        }
    }

    @Test
    void cmtClassifierIsReinitialisedForAnotherClassCount() throws Exception {
        try (VisionModel model = cmtTi(10, 160)) {
            WeightsLoader.Result r =
                    WeightsLoader.load(model, file(), WeightsLoader.Options.STRICT.withResetClassifier(true));
            assertThat(r.reinitialized())
                    .containsExactly(
                            "head.weight (file (1000, 1280), model (10, 1280))", "head.bias (file (1000), model (10))");
            assertThat(r.loaded()).isEqualTo(706);
        }
    }

    @Test
    void checkpointAtOneResolutionLoadsIntoAModelAtAnother() throws Exception {
        try (VisionModel model = cmtTi(1000, 192)) {
            WeightsLoader.Result r = WeightsLoader.load(model, file());
            assertThat(r.isComplete()).isTrue();
            assertThat(r.notes()).anyMatch(n -> n.startsWith("relative_pos_a: relative position bias interpolated"));
            assertThat(model.stateDict().get("relative_pos_a").getShape().getShape())
                    .containsExactly(1, 2304, 36);
        }
    }
}
