package dev.hybridvit.models.cmt;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.ModelSpec;
import dev.hybridvit.models.VisionModel;
import org.junit.jupiter.api.Test;

/** CMT compound scaling: the formulas, the rounding rules and the registered project models. */
class CompoundScalingTest {

    @Test
    void phiZeroReproducesTheBase() {
        for (CMTConfig base : CMTConfig.RELEASED) {
            if (base == CMTConfig.B) continue; // B's stem (38) is not a multiple of 8
            CMTConfig c = CompoundScaling.scale(base, 0, "x");
            assertThat(c.depths()).containsExactly(base.depths());
            assertThat(c.imageSize()).isEqualTo(base.imageSize());
            assertThat(c.mlpRatio()).isEqualTo(base.mlpRatio());
            assertThat(c.heads()).containsExactly(base.heads());
            assertThat(c.srRatios()).containsExactly(base.srRatios());
        }
        CMTConfig s = CompoundScaling.scale(CMTConfig.S, 0, "x");
        assertThat(s.dims()).containsExactly(CMTConfig.S.dims());
        assertThat(s.stemChannels()).isEqualTo(32);
    }

    @Test
    void phiOneFromSIsCloseToTheHandRoundedB() {
        CMTConfig c = CompoundScaling.scale(CMTConfig.S, 1, "cmt_s_phi1");
        // depths 3·1.2 = 3.6 → 4, 16·1.2 = 19.2 → 19; width 64·1.3 = 83.2 → 80; 224·1.15 = 257.6 → 256
        assertThat(c.depths()).containsExactly(4, 4, 19, 4);
        assertThat(c.dims()).containsExactly(80, 160, 320, 640);
        assertThat(c.stemChannels()).isEqualTo(40);
        assertThat(c.imageSize()).isEqualTo(256);
    }

    @Test
    void projectModelsFollowTheFormula() {
        CMTConfig xxs = CompoundScaling.XXS.config();
        assertThat(xxs.depths()).containsExactly(2, 2, 11, 2); // 16·1.2^-2 = 11.1
        assertThat(xxs.dims()).containsExactly(40, 80, 160, 320); // 64·1.3^-2 = 37.9 → 40
        assertThat(xxs.stemChannels()).isEqualTo(16);
        assertThat(xxs.imageSize()).isEqualTo(160); // 224·1.15^-2 = 169.4 → 160
        CMTConfig nano = CompoundScaling.NANO.config();
        assertThat(nano.depths()).containsExactly(1, 1, 8, 1);
        assertThat(nano.dims()).containsExactly(24, 48, 96, 192);
        assertThat(nano.stemChannels()).isEqualTo(8);
        assertThat(nano.imageSize()).isEqualTo(128);
        assertThat(ModelRegistry.names("cmt_*_hv")).containsExactly("cmt_xxs_hv", "cmt_nano_hv");
        assertThat(ModelRegistry.get("cmt_nano_hv").defaultImageSize()).isEqualTo(128);
        assertThat(ModelRegistry.get("cmt_nano_hv").description()).contains("project-own");
    }

    @Test
    void roundingKeepsEveryConfigurationValid() {
        for (double phi = -8; phi <= 3; phi += 0.25) {
            CMTConfig c = CompoundScaling.scale(CMTConfig.S, phi, "p");
            int[] heads = c.heads();
            for (int s = 0; s < 4; s++) {
                assertThat(c.depth(s)).isGreaterThanOrEqualTo(1);
                assertThat(c.dim(s) % heads[s]).isZero();
                assertThat(c.dim(s) / heads[s])
                        .as("head dim constant over stages")
                        .isEqualTo(c.dim(0));
            }
            assertThat(c.imageSize() % 32).isZero();
            assertThat(c.imageSize()).isGreaterThanOrEqualTo(32);
            assertThat(c.stemChannels() % 8).isZero();
        }
        // monotone in phi
        assertThat(CompoundScaling.scale(CMTConfig.S, -1, "a").dim(0)).isLessThanOrEqualTo(CMTConfig.S.dim(0));
        assertThat(CompoundScaling.scale(CMTConfig.S, 2, "b").totalDepth()).isGreaterThan(CMTConfig.S.totalDepth());
    }

    @Test
    void nanoModelBuildsAndRuns() {
        ModelSpec spec = ModelRegistry.get("cmt_nano_hv");
        try (VisionModel model = spec.create(ModelOptions.defaults().withNumClasses(10), 1)) {
            NDArray x = model.manager().randomUniform(-1, 1, new Shape(2, 3, 128, 128));
            var stages = model.forwardStages(x);
            assertThat(stages.get(3).getShape().getShape()).containsExactly(2, 192, 4, 4);
            assertThat(model.forwardHead(stages.get(3)).getShape().getShape()).containsExactly(2, 10);
        }
    }
}
