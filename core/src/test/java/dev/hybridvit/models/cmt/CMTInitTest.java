package dev.hybridvit.models.cmt;

import static dev.hybridvit.testing.InitAssertions.assertStd;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.VisionModel;
import org.junit.jupiter.api.Test;

/**
 * Fresh weights follow the official code's init ({@code _init_weights} in {@code cmt_pytorch/cmt.py} of
 * huawei-noah/Efficient-AI-Backbones): kaiming-normal fan-out convolutions, trunc-normal(.02) linears,
 * N(0, 1) relative position biases.
 */
class CMTInitTest {
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
