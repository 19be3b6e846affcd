package dev.hybridvit.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.VisionModel;
import dev.hybridvit.weights.KeyNaming.StageLayout;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The naming table: detection and both directions of the timm ↔ official Next-ViT renames. */
class KeyNamingTest {
    private static final StageLayout SMALL = new StageLayout(new int[] {3, 4, 10, 3});

    @Test
    void timmNamesMapToOfficialAndBack() {
        KeyNaming timm = KeyNaming.NEXTVIT_TIMM;
        Map<String, String> pairs = new LinkedHashMap<>();
        pairs.put("stem.0.conv.weight", "stem.0.conv.weight");
        pairs.put("features.0.patch_embed.conv.weight", "stages.0.blocks.0.patch_embed.conv.weight");
        pairs.put("features.3.mlp.conv1.weight", "stages.1.blocks.0.mlp.fc1.weight");
        pairs.put("features.6.e_mhsa.q.weight", "stages.1.blocks.3.e_mhsa.q.weight");
        pairs.put("features.16.mlp.conv2.bias", "stages.2.blocks.9.mlp.fc2.bias");
        pairs.put("features.19.norm2.running_var", "stages.3.blocks.2.norm2.running_var");
        pairs.put("norm.weight", "norm.weight");
        pairs.put("proj_head.0.weight", "head.fc.weight");
        pairs.forEach((ours, theirs) -> {
            assertThat(timm.fromOurs(ours, SMALL)).isEqualTo(theirs);
            assertThat(timm.toOurs(theirs, SMALL)).isEqualTo(ours);
        });
        assertThat(timm.layoutOf(pairs.values())).hasValue(new StageLayout(new int[] {1, 4, 10, 3}));
    }

    @Test
    void theModelsBlockListGivesTheLayout() {
        ModelOptions small = ModelOptions.defaults().withImageSize(64);
        try (VisionModel nextvit = ModelRegistry.get("nextvit_small").create(small, 0);
                VisionModel cmt = ModelRegistry.get("cmt_ti").create(small, 0)) {
            assertThat(KeyNaming.NEXTVIT_TIMM.layoutOf(nextvit)).hasValue(SMALL);
            assertThat(KeyNaming.NEXTVIT_OFFICIAL.layoutOf(nextvit)).isEmpty();
            assertThat(KeyNaming.NEXTVIT_TIMM.layoutOf(cmt)).isEmpty();
        }
    }

    @Test
    void detectionByMarkerKeys() {
        assertThat(KeyNaming.detect(
                        List.of("stem.0.conv.weight", "stages.0.blocks.0.mhca.norm.weight", "head.fc.bias")))
                .hasValue(KeyNaming.NEXTVIT_TIMM);
        assertThat(KeyNaming.detect(List.of("stem.0.conv.weight", "features.0.mhca.norm.weight", "proj_head.0.bias")))
                .hasValue(KeyNaming.NEXTVIT_OFFICIAL);
        assertThat(KeyNaming.detect(
                        List.of("relative_pos_a", "stem_conv1.weight", "blocks_a.0.attn.q.weight", "head.weight")))
                .hasValue(KeyNaming.CMT_OFFICIAL);
        assertThat(KeyNaming.detect(List.of("conv1.weight", "fc.weight"))).isEmpty();
    }

    @Test
    void blocksOutsideTheLayoutAreRefused() {
        assertThatThrownBy(() -> KeyNaming.NEXTVIT_TIMM.toOurs("stages.2.blocks.10.norm.weight", SMALL))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("block 10 of stage 2 does not exist in a model with stage depths [3, 4, 10, 3]");
        assertThatThrownBy(() -> KeyNaming.NEXTVIT_TIMM.fromOurs("features.20.norm.weight", SMALL))
                .hasMessageContaining("block 20 does not exist");
    }

    @Test
    void familiesAndIdentities() {
        assertThat(KeyNaming.official("nextvit")).hasValue(KeyNaming.NEXTVIT_OFFICIAL);
        assertThat(KeyNaming.official("cmt")).hasValue(KeyNaming.CMT_OFFICIAL);
        assertThat(KeyNaming.forFamily("nextvit")).containsExactly(KeyNaming.NEXTVIT_OFFICIAL, KeyNaming.NEXTVIT_TIMM);
        assertThat(KeyNaming.CMT_OFFICIAL.isIdentity()).isTrue();
        assertThat(KeyNaming.NEXTVIT_TIMM.needsStageLayout()).isTrue();
    }
}
