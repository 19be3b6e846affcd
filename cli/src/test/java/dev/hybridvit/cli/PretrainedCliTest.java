package dev.hybridvit.cli;

import static dev.hybridvit.cli.CliTest.cli;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hybridvit.data.TestImages;
import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.VisionModel;
import dev.hybridvit.weights.WeightsExport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code models --pretrained}, {@code --pretrained TAG} on predict, validate and export, and the DJL files export writes. */
class PretrainedCliTest {
    @TempDir
    Path tmp;

    @Test
    void modelsListsTheTagsWithTheirInput() {
        CliTest.Result r = cli("models", "--pretrained", "nextvit_small*");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out())
                .contains("nextvit_small.bd_in1k ", "nextvit_small_384", "0.950", "1.000", "82.5%")
                .contains("https://huggingface.co/timm/nextvit_small.bd_ssld_6m_in1k_384")
                .doesNotContain("nextvit_base", "cmt_");
    }

    @Test
    void aTagTakesItsPreprocessingAndRejectsAFileThatDoesNotFit() throws IOException {
        Path weights = write("cmt_ti"), wrong = write("cmt_nano_hv"), onnx = tmp.resolve("out/cmt_ti.onnx");
        Path image = TestImages.png(tmp.resolve("a.png"), 200, 150, 1);

        CliTest.Result bad = cli("predict", "--pretrained", "cmt_ti.official_in1k", "--weights", wrong.toString(), "x");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err())
                .contains(wrong + " does not fit pretrained cmt_ti.official_in1k")
                .doesNotContain("\tat ");

        CliTest.Result other =
                cli("predict", "cmt_xs", "--pretrained", "cmt_ti.official_in1k", "--weights", weights.toString(), "x");
        assertThat(other.code()).isEqualTo(2);
        assertThat(other.err()).contains("cmt_ti.official_in1k holds weights of cmt_ti, not cmt_xs");

        CliTest.Result validate = cli(
                "validate",
                "--pretrained",
                "cmt_ti.official_in1k",
                "--weights",
                weights.toString(),
                "--dataset",
                "fashion-mnist");
        assertThat(validate.code()).isEqualTo(2);
        assertThat(validate.err()).contains("pretrained cmt_ti.official_in1k has 1000 classes, fashion-mnist has 10");

        CliTest.Result ok = cli(
                "predict", "--pretrained", "cmt_ti.official_in1k", "--weights", weights.toString(), image.toString());
        assertThat(ok.code()).as(ok.err()).isZero();
        assertThat(ok.out()).contains(image.toString(), "%");

        CliTest.Result export = cli(
                "export",
                "--pretrained",
                "cmt_ti.official_in1k",
                "--weights",
                weights.toString(),
                "--onnx",
                onnx.toString());
        assertThat(export.code()).as(export.err()).isZero();
        String serving = Files.readString(onnx.resolveSibling("serving.properties"));
        assertThat(serving)
                .contains("option.modelName=cmt_ti\n", "width=160\n", "resizeShort=182,-1,BICUBIC\n")
                .contains("normalize=0.485,0.456,0.406,0.229,0.224,0.225\n");
        assertThat(Files.readAllLines(onnx.resolveSibling("synset.txt"))).hasSize(1000);
    }

    private Path write(String model) throws IOException {
        Path file = tmp.resolve(model + ".safetensors");
        try (VisionModel m = ModelRegistry.get(model).create(ModelOptions.defaults(), 3)) {
            WeightsExport.write(m, file);
        }
        return file;
    }
}
