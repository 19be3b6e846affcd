package dev.hybridvit.models.trtvit;

import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.ModelSpec;
import dev.hybridvit.profile.ModelSummary;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** MACs at 224 (counted by {@link ModelSummary}, batch 1): printed for every variant, checked on ResNet-50. */
class TRTViTMacsTest {
    @Test
    void macsAt224() {
        TRTViTConfig r50 = new TRTViTConfig("resnet50_like", "ResNet-50", "C-C-C-C", 64,
                new int[] {256, 512, 1024, 2048}, new int[] {3, 4, 6, 3}, 0.5, TRTViTConfig.PVT_SR_RATIOS, 0);
        ModelSpec r50Spec = new ModelSpec(r50.name(), "trtvit", r50.summary(), 224, 0.875, (s, o) -> new TRTViT(s, r50, o));
        // torchvision ResNet-50 as fvcore counts it (convs + classifier): 4,089,184,256
        assertThat(ModelSummary.of(r50Spec, ModelOptions.defaults()).macs()).isEqualTo(4_089_184_256L);

        Map<String, Long> macs = new LinkedHashMap<>();
        for (ModelSpec spec : ModelRegistry.all()) {
            if (!spec.family().equals("trtvit")) continue;
            ModelSummary s = ModelSummary.of(spec, ModelOptions.defaults());
            macs.put(spec.name(), s.macs());
            System.out.printf("%-16s params %7.2f M   MACs %6.3f G   stages %s%n", spec.name(), s.params() / 1e6, s.macs() / 1e9,
                    s.stages().stream().map(p -> String.format("%s %.3f", p.name(), p.macs() / 1e9)).toList());
        }
        assertThat(macs.get("trtvit_a")).isLessThan(macs.get("trtvit_b"));
        assertThat(macs.get("trtvit_b")).isLessThan(macs.get("trtvit_c"));
        assertThat(macs.get("trtvit_c")).isLessThan(macs.get("trtvit_d"));
        // MixBlock-B is MixBlock-C with its operators swapped: same work
        assertThat(macs.get("mixnet_b")).isEqualTo(macs.get("mixnet_c"));
    }
}
