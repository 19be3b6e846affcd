package dev.hybridvit.apps.profile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hybridvit.models.trtvit.TRTViTConfig;
import dev.hybridvit.profile.BlockProfiler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TRT-ViT's Table 1 on small feature maps: every block kind at every size, the table, the chart, bad settings. */
class DensityTest {
    @TempDir
    Path tmp;

    @Test
    void densityHasEveryBlockKindAtEverySize() throws IOException {
        BlockProfiler.Config timing = new BlockProfiler.Config("onnx", 1, 1, 1, 0);
        Density.Config c = new Density.Config(List.of(16, 8, 4, 2), List.of(64, 64, 128, 128), timing);
        List<BlockProfiler.Record> rs = Density.run(c, line -> {});
        assertThat(rs).hasSize(4 * TRTViTConfig.Kind.values().length);
        for (int size : c.sizes()) {
            assertThat(rs.stream().filter(r -> r.inputShape().get(2) == size).map(BlockProfiler.Record::blockType))
                    .containsExactly("BottleNeck", "Transformer", "MixBlock-A", "MixBlock-B", "MixBlock-C");
        }
        assertThat(rs).allSatisfy(r -> {
            assertThat(r.latencyMsMedian()).isPositive();
            assertThat(r.tflops()).isPositive();
            assertThat(r.tparamsPerS()).isPositive();
        });
        String table = Density.render(rs);
        assertThat(table).contains("TeraFLOPS", "TeraParams / s", "16x16", "2x2", "MixBlock-C");
        Path png = tmp.resolve("density.png");
        DensityChart.writePng(rs, png);
        assertThat(Files.size(png)).isPositive();
    }

    @Test
    void rejectsBadSettingsWithReasons() {
        BlockProfiler.Config t = new BlockProfiler.Config("onnx", 1, 0, 1, 0);
        assertThatThrownBy(() -> new Density.Config(List.of(56, 28), List.of(256), t))
                .hasMessageContaining("as many widths");
        assertThatThrownBy(() -> new Density.Config(List.of(4), List.of(256), t))
                .hasMessageContaining("K/V reduction window 8x8");
        assertThatThrownBy(() -> new Density.Config(List.of(56), List.of(96), t))
                .hasMessageContaining("multiple of 64");
    }
}
