package dev.hybridvit.infer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hybridvit.data.Preprocessing;
import dev.hybridvit.export.ExportOptions;
import dev.hybridvit.export.Exporter;
import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.PretrainedTag;
import dev.hybridvit.models.VisionModel;
import dev.hybridvit.weights.WeightsExport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Weights named by a pretrained tag: its preprocessing applies, a file that does not fit is rejected naming both
 * (the export of fitting weights with the tag's metadata is covered by the CLI's PretrainedCliTest).
 */
class PretrainedLoadTest {
    static final PretrainedTag TAG = ModelRegistry.pretrained("cmt_ti.official_in1k");

    @TempDir
    Path tmp;

    @Test
    void fittingWeightsTakeTheTagsPreprocessing() throws IOException {
        try (Predictor p = Predictor.open(TAG, write("cmt_ti"), Predictor.Runtime.TORCH)) {
            assertThat(p.modelName()).isEqualTo("cmt_ti");
            assertThat(p.preprocessing().metadata())
                    .isEqualTo(Preprocessing.of(TAG.data()).metadata())
                    .containsEntry("image_size", "160")
                    .containsEntry("crop_pct", "0.875");
        }
    }

    @Test
    void weightsOfAnotherModelAreRejectedNamingFileAndTag() throws IOException {
        Path otherFamily = write("trtvit_pico_hv"), otherShapes = write("cmt_nano_hv");
        assertThatThrownBy(() -> Predictor.open(TAG, otherFamily, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(otherFamily + " does not fit pretrained cmt_ti.official_in1k");
        assertThatThrownBy(() -> Predictor.open(TAG, otherShapes, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(otherShapes + " does not fit pretrained cmt_ti.official_in1k")
                .hasMessageContaining("shape");
        Path onnx = tmp.resolve("out.onnx");
        assertThatThrownBy(() -> Exporter.exportPretrained(TAG, otherShapes, onnx, ExportOptions.defaults()))
                .hasMessageContaining("cmt_ti.official_in1k");
        assertThat(Files.exists(onnx)).isFalse();
    }

    private Path write(String model) throws IOException {
        Path file = tmp.resolve(model + ".safetensors");
        try (VisionModel m = ModelRegistry.get(model).create(ModelOptions.defaults(), 3)) {
            WeightsExport.write(m, file);
        }
        return file;
    }
}
