package dev.hybridvit.infer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hybridvit.testing.ReferenceCase;
import dev.hybridvit.weights.Npy;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * End to end on real photographs: {@code predict}'s path (decode, preprocess, model) gives the
 * logits that the official evaluation pipeline (torchvision on a PIL image, DeiT's
 * {@code build_transform} as the official CMT code uses it) feeds through the PyTorch model.
 * Weights: the reference {@code cmt_ti_160_s2024.pth} (official CMT-Ti filled by the reference
 * rule); the expected logits come from {@code tools/preprocessing/make_end_to_end.py}, whose model
 * first reproduces the official code's reference logits within 1e-5.
 */
class OfficialPipelineTest {
    private static final List<String> PHOTOS = List.of("photo_chelsea.jpg", "photo_rocket.jpg", "photo_coffee.jpg");

    @Test
    void predictOnRealPhotosGivesTheOfficialPipelinesLogits() throws Exception {
        Npy.Array want = Npy.read(resource("end_to_end_cmt_ti_160.npy"));
        assertThat(want.shape()).containsExactly(PHOTOS.size(), 1000);
        Path weights = ReferenceCase.directory().resolve("cmt_ti_160_s2024.pth");
        try (Predictor p = Predictor.open("cmt_ti", weights, null, 160)) {
            List<float[]> inputs = new ArrayList<>();
            for (String photo : PHOTOS) inputs.add(p.preprocess(resource(photo)));
            float[][] got = p.logits(inputs);
            for (int i = 0; i < PHOTOS.size(); i++) {
                double maxRef = 0, maxDiff = 0;
                for (int c = 0; c < 1000; c++) {
                    float ref = want.data()[i * 1000 + c];
                    maxRef = Math.max(maxRef, Math.abs(ref));
                    maxDiff = Math.max(maxDiff, Math.abs(got[i][c] - ref));
                }
                assertThat(maxDiff / Math.max(1, maxRef))
                        .as(PHOTOS.get(i) + ": relative logit deviation")
                        .isLessThan(ReferenceCase.TOLERANCE);
            }
        }
    }

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(
                OfficialPipelineTest.class.getResource("/preprocessing/" + name).toURI());
    }
}
