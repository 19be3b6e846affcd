package dev.hybridvit.models.nextvit;

import static dev.hybridvit.testing.InitAssertions.assertStd;

import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.VisionModel;
import org.junit.jupiter.api.Test;

/** The official variants keep the official trunc-normal(.02) everywhere; the compact one starts its convolutions from He init. */
class NextViTInitTest {
    @Test
    void officialVariantsUseTruncNormal02() {
        try (VisionModel model = ModelRegistry.get("nextvit_small").create(ModelOptions.defaults(), 3)) {
            var sd = model.stateDict();
            assertStd(sd.get("stem.0.conv.weight"), 0.02);
            assertStd(sd.get("features.4.mhca.group_conv3x3.weight"), 0.02);
            assertStd(sd.get("features.4.mlp.conv1.weight"), 0.02);
            assertStd(sd.get("features.6.e_mhsa.q.weight"), 0.02);
        }
    }

    @Test
    void compactVariantUsesHeInitForConvolutionsOnly() {
        try (VisionModel model = ModelRegistry.get("nextvit_pico_hv").create(ModelOptions.defaults(), 3)) {
            var sd = model.stateDict();
            assertStd(sd.get("stem.0.conv.weight"), Math.sqrt(2.0 / (32 * 9)));
            // a 3×3 group conv with 32-channel groups: fan-out 9·out/groups = 9·32
            assertStd(sd.get("features.1.mhca.group_conv3x3.weight"), Math.sqrt(2.0 / (9 * 32)));
            assertStd(sd.get("features.1.mlp.conv1.weight"), Math.sqrt(2.0 / (3 * 64)));
            assertStd(sd.get("features.2.e_mhsa.q.weight"), 0.02);
            assertStd(sd.get("proj_head.0.weight"), 0.02);
        }
    }
}
