package dev.hybridvit.apps.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.VisionModel;
import dev.hybridvit.models.cmt.CMTConfig;
import dev.hybridvit.models.nextvit.NextViTConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Fourier measure on maps of known spectra, and both analyses on a real model's blocks. */
class AnalysisTest {
    @Test
    void relativeLogAmplitudeFallsForSmoothMapsAndRisesForCheckerboards() {
        int n = 8;
        float[] smooth = new float[n * n], checker = new float[n * n];
        for (int y = 0; y < n; y++) {
            for (int x = 0; x < n; x++) {
                smooth[y * n + x] = 1 + 0.1f * (float) Math.cos(2 * Math.PI * (x + y) / n);
                checker[y * n + x] = 0.1f + ((x + y) % 2 == 0 ? 1 : -1);
            }
        }
        double[] s = FourierAnalysis.relativeLogAmplitude(smooth, 1, n);
        double[] c = FourierAnalysis.relativeLogAmplitude(checker, 1, n);
        assertThat(s).hasSize(n / 2 + 1);
        assertThat(s[0]).isZero();
        assertThat(s[n / 2]).isLessThan(-5);
        assertThat(c[n / 2]).isGreaterThan(2);
    }

    @Test
    void nextVitBlocksAreAnalysedByTypeAndGradCamIsANormalisedMap() {
        try (VisionModel m = ModelRegistry.get("nextvit_pico_hv")
                .create(ModelOptions.defaults().withNumClasses(10).withImageSize(64), 3)) {
            NDArray x = m.manager().randomNormal(new Shape(2, 3, 64, 64));
            List<FourierAnalysis.Spectrum> spectra = FourierAnalysis.run(m, x);
            assertThat(spectra)
                    .extracting(FourierAnalysis.Spectrum::type)
                    .contains("NCB", "NTB")
                    .doesNotContain("stage");
            assertThat(spectra)
                    .allSatisfy(sp -> assertThat(sp.relativeLogAmplitude()).doesNotContain(Double.NaN));
            GradCam.Map cam = GradCam.run(m, x.get("0:1"), 3);
            assertThat(cam.label()).isEqualTo(3);
            assertThat(cam.side()).isGreaterThanOrEqualTo(GradCam.MIN_SIDE);
            assertThat(cam.values()).hasSize(cam.side() * cam.side());
            float max = 0;
            for (float v : cam.values()) {
                assertThat(v).isBetween(0f, 1f);
                max = Math.max(max, v);
            }
            assertThat(max).isEqualTo(1f);
        }
    }

    /** One map per E-MHSA / LMHSA block; an LMHSA key stands for a whole k×k patch, so the map is constant on it. */
    @Test
    void attentionMapsCoverEveryAttentionBlockAndFollowTheKeyReduction() {
        try (VisionModel m = ModelRegistry.get("cmt_ti")
                .create(ModelOptions.defaults().withNumClasses(10).withImageSize(64), 3)) {
            NDArray x = m.manager().randomNormal(new Shape(1, 3, 64, 64));
            List<AttentionMaps.Map> maps = AttentionMaps.run(m, x, 40, 10);
            assertThat(maps).hasSize(CMTConfig.TI.totalDepth());
            AttentionMaps.Map first = maps.get(0);
            assertThat(first.side()).isEqualTo(16);
            assertThat(first.queryColumn()).isEqualTo(10);
            assertThat(first.queryRow()).isEqualTo(2);
            int k = CMTConfig.TI.srRatio(0);
            for (int t = 0; t < first.values().length; t++) {
                int row = t / 16, col = t % 16;
                assertThat(first.values()[t]).isEqualTo(first.values()[row / k * k * 16 + col / k * k]);
            }
            for (AttentionMaps.Map a : maps) {
                float max = 0;
                for (float v : a.values()) {
                    assertThat(v).isBetween(0f, 1f);
                    max = Math.max(max, v);
                }
                assertThat(max).isEqualTo(1f);
            }
        }
        try (VisionModel m = ModelRegistry.get("nextvit_pico_hv")
                .create(ModelOptions.defaults().withNumClasses(10).withImageSize(64), 3)) {
            List<AttentionMaps.Map> maps =
                    AttentionMaps.run(m, m.manager().randomNormal(new Shape(1, 3, 64, 64)), 0, 0);
            long ntbs = NextViTConfig.PICO.blocks().stream()
                    .filter(NextViTConfig.BlockSpec::transformer)
                    .count();
            assertThat(maps).hasSize((int) ntbs);
        }
    }
}
