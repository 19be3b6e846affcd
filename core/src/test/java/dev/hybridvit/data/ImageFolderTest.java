package dev.hybridvit.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hybridvit.models.ModelRegistry;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ImageFolder layout, unreadable files skipped, eval preprocessing shapes and ranges. */
class ImageFolderTest {
    @TempDir
    Path tmp;

    private static void image(Path file, int w, int h, int rgb, String format) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img.setRGB(x, y, rgb);
        Files.createDirectories(file.getParent());
        assertThat(ImageIO.write(img, format, file.toFile())).isTrue();
    }

    @Test
    void scansClassesSkipsUnreadableFilesAndYieldsSquareRgb() throws IOException {
        for (int i = 0; i < 3; i++) {
            image(tmp.resolve("cat/c" + i + ".png"), 40 + i, 30, 0xff0000, "png");
            image(tmp.resolve("dog/d" + i + ".jpg"), 30, 50, 0x0000ff, "jpg");
        }
        Files.writeString(tmp.resolve("dog/broken.jpg"), "this is not a JPEG");
        Files.writeString(tmp.resolve("dog/readme.txt"), "ignored: not an image extension");
        ImageFolder f = ImageFolder.scan(tmp, 24);
        assertThat(f.classNames()).containsExactly("cat", "dog");
        assertThat(f.size()).isEqualTo(6);
        assertThat(f.skipped()).containsExactly(tmp.resolve("dog/broken.jpg"));
        float[] px = new float[3 * 24 * 24];
        assertThat(f.read(0, px)).isZero();
        assertThat(px[0]).isGreaterThan(0.95f); // red plane
        assertThat(px[2 * 24 * 24]).isLessThan(0.05f); // blue plane
        assertThat(f.read(5, px)).isEqualTo(1);
        assertThat(px[2 * 24 * 24 + 100]).isGreaterThan(0.9f);
    }

    @Test
    void anImageThatFailsWhenReadIsSkippedForTheNextReadableOne() throws IOException {
        image(tmp.resolve("cat/a.png"), 64, 64, 0xff0000, "png");
        image(tmp.resolve("dog/b.png"), 64, 64, 0x0000ff, "png");
        byte[] whole = Files.readAllBytes(tmp.resolve("cat/a.png"));
        Files.write(tmp.resolve("cat/a.png"), java.util.Arrays.copyOf(whole, 60)); // header intact, data cut
        ImageFolder f = ImageFolder.scan(tmp, 16);
        assertThat(f.size()).isEqualTo(2);
        float[] px = new float[3 * 16 * 16];
        assertThat(f.read(0, px))
                .as("the dog image and its label take the broken cat's place")
                .isEqualTo(1);
        assertThat(px[2 * 16 * 16]).isGreaterThan(0.9f);
        assertThat(f.failedReads()).isEqualTo(1);
        assertThat(f.problems()).containsOnlyKeys(tmp.resolve("cat/a.png"));
    }

    @Test
    void dataSourcesSplitsAFolderWithoutTrainVal() throws IOException {
        for (int i = 0; i < 10; i++) {
            image(tmp.resolve("a/" + i + ".png"), 20, 20, 0x808080, "png");
            image(tmp.resolve("b/" + i + ".png"), 20, 20, 0x202020, "png");
        }
        DataSources.Splits s = DataSources.open(tmp.toString(), ModelRegistry.get("nextvit_small"), 16, 1, 0, 0);
        assertThat(s.train().size() + s.val().size()).isEqualTo(20);
        assertThat(s.val().size()).isEqualTo(2);
        float[] raw = new float[3 * s.val().height() * s.val().width()];
        s.val().read(0, raw);
        int[] dims = {3, s.val().height(), s.val().width()};
        float[] x = s.evalTransform().apply(raw, dims, new Random(0));
        assertThat(dims).containsExactly(3, 16, 16);
        assertThat(x).hasSize(3 * 16 * 16);
        // the validation split comes through the exact evaluation pipeline, already at 16 px
        assertThat(s.val().height()).isEqualTo(16);
        float[] train = new float[3 * s.train().height() * s.train().width()];
        s.train().read(0, train);
        float[] y = s.trainTransform()
                .apply(train, new int[] {3, s.train().height(), s.train().width()}, new Random(0));
        assertThat(y).hasSize(3 * 16 * 16);
    }

    @Test
    void aNonImageIsAClearError() throws IOException {
        Path txt = tmp.resolve("x.png");
        Files.writeString(txt, "hello");
        assertThatThrownBy(() -> ImageFiles.decode(txt))
                .isInstanceOf(ImageFiles.UnreadableImageException.class)
                .hasMessageContaining("not a readable image");
        assertThatThrownBy(() -> DataSources.open(
                        tmp.resolve("missing").toString(), ModelRegistry.get("nextvit_small"), 16, 1, 0, 0))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("fashion-mnist");
    }
}
