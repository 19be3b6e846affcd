package dev.hybridvit.apps.study;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hybridvit.models.cmt.CMTConfig;
import dev.hybridvit.models.nextvit.NextViTConfig;
import dev.hybridvit.models.trtvit.TRTViTConfig;
import dev.hybridvit.nn.Activation;
import dev.hybridvit.train.Trainer;
import dev.hybridvit.train.TrainingRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Study specs: built-ins resolve at both sizes, knobs become record fields, bad specs fail before anything runs. */
class StudyTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static List<String> builtIn() {
        return Study.BUILT_IN;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("builtIn")
    void builtInStudiesResolveAtBothSizesWithDistinctVariants(String name) throws IOException {
        Study s = Study.load(name);
        for (boolean quick : List.of(true, false)) {
            List<Study.Resolved> vs = s.resolve(quick);
            assertThat(vs).hasSizeGreaterThan(1);
            assertThat(vs.stream().map(Study.Resolved::config).distinct()).hasSize(vs.size());
            assertThat(vs.stream().map(v -> v.spec().name()).distinct()).hasSize(vs.size());
        }
    }

    @Test
    void knobsBecomeRecordFields() throws IOException {
        List<Study.Resolved> norm = Study.load("nextvit-table9-norm").resolve(true);
        NextViTConfig last = (NextViTConfig) norm.get(3).config();
        assertThat(last.norm()).isEqualTo(NextViTConfig.Norm.LN);
        assertThat(last.activation()).isEqualTo(Activation.Kind.GELU);
        assertThat(last.depths()).containsExactly(NextViTConfig.PICO.depths());
        NextViTConfig full = (NextViTConfig)
                Study.load("nextvit-table8-ratio").resolve(false).get(0).config();
        assertThat(full.mixRatio()).isEqualTo(0.25);
        assertThat(full.depths()).containsExactly(NextViTConfig.SMALL.depths());
        TRTViTConfig mix = (TRTViTConfig)
                Study.load("trtvit-table3-mixblocks").resolve(true).get(1).config();
        assertThat(mix.pattern()).isEqualTo("C-C-A-A");
    }

    private static Study parse(String json) throws IOException {
        return Study.parse("spec.json", JSON.readTree(json));
    }

    private static String spec(String variant) {
        return "{\"name\": \"t\", \"base\": \"nextvit_small\", \"quick_base\": \"nextvit_pico_hv\", \"variants\": ["
                + variant + "]}";
    }

    @Test
    void badSpecsNameTheFieldAndTheAllowedValues() throws IOException {
        assertThatThrownBy(() -> Study.load("nextvit-table99"))
                .hasMessageContaining("unknown study 'nextvit-table99'")
                .hasMessageContaining("nextvit-table8-ratio");
        assertThatThrownBy(() -> parse(spec("{\"label\": \"a\", \"knobs\": {\"ratio\": 0.5}}")))
                .hasMessageContaining("unknown knob 'ratio'")
                .hasMessageContaining("mixRatio");
        assertThatThrownBy(() -> parse(spec("{\"label\": \"a\", \"knobs\": {\"norm\": \"GN\"}}")))
                .hasMessageContaining("knob 'norm'")
                .hasMessageContaining("one of BN, LN");
        assertThatThrownBy(() -> parse(spec("{\"label\": \"a\", \"knobs\": {\"convWidths\": [96, 190, 384, 768]}}")))
                .hasMessageContaining("variant 'a'")
                .hasMessageContaining("NCB width 190 is not a multiple of 32");
        assertThatThrownBy(() -> parse(spec(
                        "{\"label\": \"a\", \"knobs\": {\"stagePatterns\": [\"C\", \"C\", \"CCCCCCCCCCCT\", \"C\"]}}")))
                .hasMessageContaining("depths[2] = 10")
                .hasMessageContaining("stagePatterns[2]");
        assertThatThrownBy(() -> parse(spec("{\"label\": \"a\", \"knobs\": {\"mixRatio\": \"high\"}}")))
                .hasMessageContaining("knob 'mixRatio': expected a number");
        assertThatThrownBy(() -> parse("{\"base\": \"nextvit_huge\", \"variants\": [{\"label\": \"a\"}]}"))
                .hasMessageContaining("base 'nextvit_huge'")
                .hasMessageContaining("nextvit_small");
        assertThatThrownBy(() -> parse("{\"base\": \"nextvit_small\", \"variant\": []}"))
                .hasMessageContaining("unknown field 'variant'");
        assertThatThrownBy(() -> parse(spec("{\"label\": \"a\", \"knobs\": {\"convBlock\": \"MBCONV\"}}")))
                .hasMessageContaining("knob 'convBlock'")
                .hasMessageContaining("one of NCB, BOTTLENECK, CONVNEXT, POOLFORMER, TRANSFORMER");
        assertThatThrownBy(() -> parse(spec("{\"label\": \"a\", \"scale\": {\"depth\": 2}}")))
                .hasMessageContaining("'scale' needs a CMT base");
        String cmt = "{\"base\": \"cmt_s\", \"quick_base\": \"cmt_ti\", \"variants\": [%s]}";
        assertThatThrownBy(() -> parse(String.format(cmt, "{\"label\": \"a\", \"knobs\": {\"lpu\": \"no\"}}")))
                .hasMessageContaining("knob 'lpu': expected true or false");
        assertThatThrownBy(() -> parse(String.format(cmt, "{\"label\": \"a\", \"scale\": {\"height\": 2}}")))
                .hasMessageContaining("unknown field 'height'")
                .hasMessageContaining("depth");
        assertThatThrownBy(() -> parse(String.format(cmt, "{\"label\": \"a\", \"scale\": {\"resolution\": 1.3}}")))
                .hasMessageContaining("scale.resolution")
                .hasMessageContaining("allowed: 1");
        assertThat(((CMTConfig) parse(String.format(cmt, "{\"label\": \"a\", \"scale\": {\"width\": 1.3}}"))
                                .resolve(false)
                                .get(0)
                                .config())
                        .dims())
                .containsExactly(80, 160, 320, 640);
    }

    @Test
    void runnerWritesReportJsonAndCharts(@TempDir Path dir) throws IOException {
        Study s = parse(spec("{\"label\": \"r=0.5\", \"knobs\": {\"mixRatio\": 0.5}},"
                + " {\"label\": \"LN\", \"knobs\": {\"norm\": \"LN\"}}"));
        StudyRunner.Options o = new StudyRunner.Options(dir, true, null, 1, 0, 0, 8, 1, 2, 1);
        StudyRunner.Result r = StudyRunner.run(s, o, new SilentListener());
        assertThat(r.rows()).extracting(StudyRunner.Row::label).containsExactly("r=0.5", "LN");
        assertThat(r.rows()).allSatisfy(row -> {
            assertThat(row.params()).isPositive();
            assertThat(row.macs()).isPositive();
            assertThat(row.latencyMs()).isPositive();
        });
        assertThat(r.rows().get(0).params()).isNotEqualTo(r.rows().get(1).params());
        String report = Files.readString(r.report());
        assertThat(report).contains("| r=0.5 |", "| LN |", "bars.png");
        assertThat(JSON.readTree(dir.resolve("study.json").toFile()).get("variants"))
                .hasSize(2);
        assertThat(dir.resolve(StudyCharts.BARS)).isNotEmptyFile();
    }

    private static final class SilentListener implements TrainingRun.Listener {
        @Override
        public void progress(Trainer.Progress p) {}

        @Override
        public void epoch(TrainingRun.EpochRecord r) {}

        @Override
        public void log(String message) {}
    }

    private static StudyRunner.Row row(String label, double ms, double top1) {
        return new StudyRunner.Row(label, label, Map.of(), 0, 0, ms, ms, ms, ms, top1, 0);
    }

    @Test
    void paretoFrontKeepsTheUndominatedByLatency() {
        List<StudyRunner.Row> rows =
                List.of(row("slow-best", 3, 0.9), row("fast", 1, 0.7), row("dominated", 2, 0.6), row("mid", 2, 0.8));
        assertThat(StudyCharts.paretoFront(rows).stream().map(StudyRunner.Row::label))
                .containsExactly("fast", "mid", "slow-best");
    }
}
