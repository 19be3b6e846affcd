package dev.hybridvit.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scene generator: deterministic, labels from the items' own pixels, ADE20K layout on disk. */
class FashionScenesTest {
    @TempDir
    Path tmp;

    @Test
    void scenesAreDeterministicAndLabelledByTheirItems() throws IOException {
        FashionMnist items =
                FashionMnist.load(DataSources.fashionMnistDir(), "t10k").head(200);
        FashionScenes scenes = new FashionScenes(items, 64, 3, 7);
        FashionScenes.Scene a = scenes.scene(5), b = scenes.scene(5), c = scenes.scene(6);
        assertThat(a.rgb()).isEqualTo(b.rgb());
        assertThat(a.label()).isEqualTo(b.label());
        assertThat(a.label()).isNotEqualTo(c.label());
        int labelled = 0;
        for (int i = 0; i < 50; i++) {
            FashionScenes.Scene s = scenes.scene(i);
            for (int p = 0; p < s.label().length; p++) {
                int l = s.label()[p];
                assertThat(l).isBetween(0, 10);
                if (l > 0) labelled++;
            }
        }
        assertThat(labelled).as("items cover part of the canvases").isBetween(50 * 64 * 64 / 50, 50 * 64 * 64 / 2);

        scenes.writeAde20k(tmp, "validation", 2);
        BufferedImage img =
                ImageIO.read(tmp.resolve("images/validation/scene_00001.jpg").toFile());
        BufferedImage ann = ImageIO.read(
                tmp.resolve("annotations/validation/scene_00001.png").toFile());
        assertThat(img.getWidth()).isEqualTo(64);
        FashionScenes.Scene s1 = scenes.scene(1);
        for (int p = 0; p < 64 * 64; p++)
            assertThat(ann.getRaster().getSample(p % 64, p / 64, 0)).isEqualTo(s1.label()[p]);
    }
}
