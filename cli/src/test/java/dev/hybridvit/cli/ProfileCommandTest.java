package dev.hybridvit.cli;

import static dev.hybridvit.cli.CliTest.cli;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code profile} and {@code density}: tables, JSON records, charts, errors (small sizes, one timed run). */
class ProfileCommandTest {
    @TempDir
    Path tmp;

    @Test
    void profileListsAllTwentyNextVitSmallBlocksWithTeraFlops() throws IOException {
        Path json = tmp.resolve("p.json"), png = tmp.resolve("p.png");
        CliTest.Result r = cli(
                "profile",
                "nextvit_small",
                "--img-size",
                "64",
                "--runs",
                "1",
                "--warmup",
                "0",
                "--threads",
                "1",
                "--json",
                json.toString(),
                "--chart",
                png.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out().lines().filter(l -> l.matches("stage\\d\\s+features\\.\\d+ .*")))
                .hasSize(20);
        assertThat(r.out())
                .contains("NextConvBlock", "NextTransformerBlock", "features.19", "TFLOPS", "(total)", "31,763,368");
        JsonNode arr = new ObjectMapper().readTree(json.toFile());
        assertThat(arr).hasSize(20);
        List<String> stages = new ArrayList<>();
        for (JsonNode b : arr) {
            assertThat(b.get("model").asText()).isEqualTo("nextvit_small");
            assertThat(b.get("latency_ms_median").asDouble()).isPositive();
            assertThat(b.get("tflops").asDouble()).isPositive();
            assertThat(b.get("tparams_per_s").asDouble()).isPositive();
            assertThat(b.get("runtime").asText()).isEqualTo("onnx");
            stages.add(b.get("stage").asText());
        }
        assertThat(stages.stream().distinct()).containsExactly("stage1", "stage2", "stage3", "stage4");
        assertThat(arr.get(3).get("block").asText()).isEqualTo("features.3");
        assertThat(arr.get(0).get("input_shape").toString()).isEqualTo("[1,64,16,16]");
        assertThat(Files.size(png)).isPositive();
    }

    @Test
    void densityReportsBothBlockTypesAtFourSizes() throws IOException {
        Path json = tmp.resolve("d.json"), png = tmp.resolve("d.png");
        CliTest.Result r = cli(
                "density",
                "--sizes",
                "16,8,4,2",
                "--widths",
                "64,64,128,128",
                "--runs",
                "1",
                "--warmup",
                "0",
                "--threads",
                "1",
                "--json",
                json.toString(),
                "--chart",
                png.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("TeraFLOPS", "TeraParams / s", "BottleNeck", "Transformer", "MixBlock-C");
        JsonNode arr = new ObjectMapper().readTree(json.toFile());
        for (String type : List.of("BottleNeck", "Transformer")) {
            List<Long> sizes = new ArrayList<>();
            for (JsonNode b : arr) {
                if (!b.get("block_type").asText().equals(type)) continue;
                sizes.add(b.get("input_shape").get(2).asLong());
                assertThat(b.get("latency_ms_median").asDouble()).isPositive();
                assertThat(b.get("tflops").asDouble()).isPositive();
            }
            assertThat(sizes).as(type).containsExactly(16L, 8L, 4L, 2L);
        }
        assertThat(Files.size(png)).isPositive();
    }

    @Test
    void badInputIsAUsageErrorWithAReason() {
        CliTest.Result unknown = cli("profile", "nextvit_smal");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).contains("error: unknown model 'nextvit_smal'");
        CliTest.Result runtime = cli("profile", "nextvit_small", "--runtime", "tensorrt");
        assertThat(runtime.code()).isEqualTo(2);
        assertThat(runtime.err()).contains("error: unknown runtime 'tensorrt'");
        CliTest.Result density = cli(
                "density",
                "--sizes",
                "4",
                "--widths",
                "256",
                "--json",
                tmp.resolve("x.json").toString());
        assertThat(density.code()).isEqualTo(2);
        assertThat(density.err()).contains("error: size 4 of stage 1 is smaller than its K/V reduction window 8x8");
        assertThat(tmp.resolve("x.json")).doesNotExist();
    }
}
