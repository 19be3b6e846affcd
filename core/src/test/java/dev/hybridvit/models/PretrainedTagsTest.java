package dev.hybridvit.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The pretrained tags and resolution aliases: what timm's default_cfgs and the official READMEs say. */
class PretrainedTagsTest {
    @Test
    void timmTagsCarryTimmsCropAndTheOfficialOnesTheOfficialEvaluation() {
        PretrainedTag bd = ModelRegistry.pretrained("nextvit_small.bd_in1k");
        assertThat(bd.model()).isEqualTo("nextvit_small");
        assertThat(bd.data()).isEqualTo(DataConfig.imagenet(224, 0.95));
        assertThat(bd.top1()).isEqualTo(82.5);
        PretrainedTag bd384 = ModelRegistry.pretrained("nextvit_large.bd_ssld_6m_in1k_384");
        assertThat(bd384.model()).isEqualTo("nextvit_large_384");
        assertThat(bd384.data()).isEqualTo(DataConfig.imagenet(384, 1.0));
        assertThat(bd384.url()).isEqualTo("https://huggingface.co/timm/nextvit_large.bd_ssld_6m_in1k_384");
        PretrainedTag official = ModelRegistry.pretrained("nextvit_small.official_in1k");
        assertThat(official.fileName()).isEqualTo("nextvit_small_in1k_224.pth");
        assertThat(official.data().cropPct()).isEqualTo(0.875);
        PretrainedTag cmt = ModelRegistry.pretrained("cmt_ti.official_in1k");
        assertThat(cmt.data().imageSize()).isEqualTo(160);
        assertThat(cmt.url()).endsWith("/cmt_tiny.pth");
    }

    @Test
    void everyNextVitVariantHasItsTwelveTagsAndEveryTagItsModelsArchitecture() {
        Map<String, Long> perModel = ModelRegistry.pretrained().stream()
                .collect(Collectors.groupingBy(
                        t -> ModelRegistry.get(t.model()).architectureName(), Collectors.counting()));
        for (String v : List.of("nextvit_small", "nextvit_base", "nextvit_large"))
            assertThat(perModel.get(v)).as(v).isEqualTo(8L);
        for (PretrainedTag t : ModelRegistry.pretrained()) {
            assertThat(t.name()).startsWith(ModelRegistry.get(t.model()).architectureName() + ".");
            assertThat(t.spec().data()).isEqualTo(t.data());
            assertThat(t.spec().defaultImageSize())
                    .as(t.name())
                    .isEqualTo(ModelRegistry.get(t.model()).defaultImageSize());
        }
    }

    @Test
    void anUnknownTagSuggestsCloseOnes() {
        assertThatThrownBy(() -> ModelRegistry.pretrained("nextvit_small.bd_in1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown pretrained tag 'nextvit_small.bd_in1'")
                .hasMessageContaining("nextvit_small.bd_in1k");
    }

    @Test
    void resolutionAliasesShareTheirArchitectureAndAreListedOnce() {
        ModelSpec alias = ModelRegistry.get("nextvit_base_384"), base = ModelRegistry.get("nextvit_base");
        assertThat(alias.isAlias()).isTrue();
        assertThat(alias.architectureName()).isEqualTo("nextvit_base");
        assertThat(alias.defaultImageSize()).isEqualTo(384);
        try (VisionModel a = alias.architecture(ModelOptions.defaults());
                VisionModel b = base.architecture(ModelOptions.defaults())) {
            assertThat(a.imageSize()).isEqualTo(384);
            assertThat(a.parameterCount()).isEqualTo(b.parameterCount());
        }
        assertThat(ModelRegistry.architectures()).contains("nextvit_base").doesNotContain("nextvit_base_384");
        assertThat(ModelRegistry.names()).containsAll(ModelRegistry.architectures());
        assertThat(ModelRegistry.all().stream().filter(ModelSpec::isAlias).map(ModelSpec::name))
                .containsExactly("nextvit_small_384", "nextvit_base_384", "nextvit_large_384");
    }
}
