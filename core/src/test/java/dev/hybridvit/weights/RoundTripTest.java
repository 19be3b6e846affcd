package dev.hybridvit.weights;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.ModelSpec;
import dev.hybridvit.models.VisionModel;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * For every registered model (at 64×64, which every family accepts): ours → our checkpoint →
 * ours, ours → .pth → ours, and for each other naming of the family (timm for Next-ViT) their
 * names → ours → official names; all bit-exact, with names and order preserved. Each load goes
 * into a freshly initialised model that differs before the load.
 */
class RoundTripTest {
    private static final ModelOptions SMALL = ModelOptions.defaults().withImageSize(64);

    static List<ModelSpec> models() {
        return ModelRegistry.all().stream().filter(s -> !s.isAlias()).toList();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void roundTripsAreBitExact(ModelSpec spec, @TempDir Path dir) throws Exception {
        try (VisionModel a = spec.create(SMALL, 1)) {
            LinkedHashMap<String, NDArray> live = a.stateDict();
            LinkedHashMap<String, byte[]> want = TestFiles.bytes(live);

            // ours → our checkpoint → ours (and rebuilt from the checkpoint alone)
            Path ckpt = dir.resolve("ours.safetensors");
            Checkpoint.save(ckpt, a, List.of(), 3, null, null, null);
            loadIntoFresh(spec, ckpt, want, live);
            WeightsLoader.Loaded rebuilt = WeightsLoader.createModel(ckpt, 7);
            try (VisionModel b = rebuilt.model()) {
                assertThat(b.spec().name()).isEqualTo(spec.name());
                assertThat(b.imageSize()).isEqualTo(64);
                assertThat(TestFiles.firstDifference(b.stateDict(), want, live)).isNull();
            }

            // ours → .pth → ours
            Path pth = dir.resolve("ours.pth");
            WeightsExport.write(a, pth);
            WeightsLoader.Result viaPth = loadIntoFresh(spec, pth, want, live);
            assertThat(viaPth.format()).isEqualTo("pth");

            // their names → ours → official names
            for (KeyNaming naming : KeyNaming.forFamily(spec.family())) {
                if (naming.isIdentity()) continue;
                Path theirs = dir.resolve(naming.name() + ".safetensors");
                LinkedHashMap<String, NDArray> renamed = WeightsExport.stateDict(a, naming);
                assertThat(renamed).hasSameSizeAs(live);
                assertThat(renamed.keySet()).isNotEqualTo(live.keySet());
                assertThat(KeyNaming.detect(renamed.keySet())).hasValue(naming);
                WeightsExport.write(renamed, theirs);
                try (VisionModel c = spec.create(SMALL, 3)) {
                    WeightsLoader.Result r = WeightsLoader.load(c, theirs);
                    assertThat(r.naming()).isEqualTo(naming);
                    Path official = dir.resolve(naming.name() + "-official.pth");
                    WeightsExport.write(c, official);
                    try (NDManager m = c.manager().newSubManager()) {
                        Map<String, NDArray> back = Weights.read(official, m);
                        assertThat(TestFiles.firstDifference(back, want, live))
                                .as(naming + " → ours → official")
                                .isNull();
                    }
                }
            }

            // a deploy-form checkpoint is rebuilt in deploy form
            a.reparameterize();
            Path deploy = dir.resolve("deploy.safetensors");
            Checkpoint.save(deploy, a);
            LinkedHashMap<String, byte[]> folded = TestFiles.bytes(a.stateDict());
            try (VisionModel d = WeightsLoader.createModel(deploy, 11).model()) {
                assertThat(d.isReparameterized()).isTrue();
                assertThat(TestFiles.firstDifference(d.stateDict(), folded, a.stateDict()))
                        .isNull();
            }
        }
    }

    private static WeightsLoader.Result loadIntoFresh(
            ModelSpec spec, Path file, Map<String, byte[]> want, Map<String, NDArray> live) throws Exception {
        try (VisionModel b = spec.create(SMALL, 2)) {
            assertThat(TestFiles.firstDifference(b.stateDict(), want, live))
                    .as("fresh model differs")
                    .isNotNull();
            WeightsLoader.Result r = WeightsLoader.load(b, file);
            assertThat(r.isComplete()).isTrue();
            assertThat(r.loaded()).isEqualTo(live.size());
            assertThat(TestFiles.firstDifference(b.stateDict(), want, live))
                    .as(file.getFileName().toString())
                    .isNull();
            return r;
        }
    }
}
