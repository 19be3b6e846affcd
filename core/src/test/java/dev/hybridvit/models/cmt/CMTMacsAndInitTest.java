package dev.hybridvit.models.cmt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.VisionModel;
import dev.hybridvit.nn.MacCounter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import static dev.hybridvit.testing.InitAssertions.assertStd;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** MACs against the official counts (conv + linear + attention matmuls, spec §4) and the official init. */
class CMTMacsAndInitTest {

    @ParameterizedTest(name = "{0}@{1}")
    @CsvSource({"cmt_ti, 160, 0.639", "cmt_s, 224, 4.032"})
    void macsMatchTheOfficialCount(String name, int size, double officialGMacs) {
        try (VisionModel model = ModelRegistry.get(name).create(ModelOptions.defaults(), 0)) {
            NDArray x = model.manager().zeros(new Shape(1, 3, size, size));
            long macs = MacCounter.count(1, () -> model.predict(x));
            System.out.printf("%s@%d: %.4f GMACs (official %.3f)%n", name, size, macs / 1e9, officialGMacs);
            assertThat(macs / 1e9).isCloseTo(officialGMacs, within(officialGMacs * 0.005));
        }
    }

    @Test
    void initFollowsTheOfficialCode() {
        try (VisionModel model = ModelRegistry.get("cmt_ti").create(ModelOptions.defaults(), 11)) {
            var sd = model.stateDict();
            // kaiming_normal_(fan_out): fan_out = out·kh·kw, not divided by the depthwise groups
            assertStd(sd.get("blocks_c.0.mlp.proj.weight"), Math.sqrt(2.0 / (662 * 9)));
            assertStd(sd.get("blocks_c.0.proj.weight"), Math.sqrt(2.0 / (184 * 9)));
            assertStd(sd.get("blocks_a.0.attn.sr.0.weight"), Math.sqrt(2.0 / (46 * 64)));
            assertStd(sd.get("blocks_c.0.mlp.conv1.0.weight"), Math.sqrt(2.0 / 662));
            assertStd(sd.get("_fc.weight"), Math.sqrt(2.0 / 1280));
            assertStd(sd.get("blocks_c.0.attn.q.weight"), 0.02);
            assertStd(sd.get("head.weight"), 0.02);
            assertStd(sd.get("relative_pos_a"), 1.0);
            assertThat(sd.get("blocks_c.0.proj.bias").toFloatArray()).containsOnly(0f);
            assertThat(sd.get("blocks_c.0.norm1.weight").toFloatArray()).containsOnly(1f);
            assertThat(sd.get("patch_embed_a.norm.bias").toFloatArray()).containsOnly(0f);
            assertThat(sd.get("blocks_c.0.mlp.proj_bn.weight").toFloatArray()).containsOnly(1f);
        }
    }
}
