package dev.hybridvit.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Decoding beyond the JDK's JPEG reader: CMYK JPEGs through TwelveMonkeys; the ImageNet class list. */
class ImageFilesTest {
    @TempDir
    Path tmp;

    @Test
    void cmykJpegDecodesToRgbThroughTwelveMonkeys() throws IOException {
        Path jpg = tmp.resolve("cmyk.jpg");
        TestImages.cmykJpeg(jpg, 48, 32);
        try (ImageInputStream in = ImageIO.createImageInputStream(jpg.toFile())) {
            ImageReader first = ImageIO.getImageReaders(in).next();
            assertThat(first.getClass().getName()).startsWith("com.twelvemonkeys.");
        }
        float[] x = ImageFiles.toTensor(ImageFiles.decode(jpg), 32, 1.0, true);
        int plane = 32 * 32, left = 16 * 32 + 4, right = 16 * 32 + 28;
        assertThat(x[left]).isGreaterThan(0.8f); // red ink: R high
        assertThat(x[plane + left]).isLessThan(0.3f); // G, B low
        assertThat(x[2 * plane + left]).isLessThan(0.3f);
        for (int c = 0; c < 3; c++) assertThat(x[c * plane + right]).isGreaterThan(0.9f); // no ink: white
    }

    @Test
    void imageNetClassNamesAreTheThousandStandardOnes() {
        List<String> n = ImageNetClasses.names();
        assertThat(n).hasSize(1000);
        assertThat(n.subList(0, 3)).containsExactly("tench", "goldfish", "great white shark");
        assertThat(n.get(151)).isEqualTo("Chihuahua");
        assertThat(n.get(281)).isEqualTo("tabby");
        assertThat(n.get(999)).isEqualTo("toilet tissue");
        assertThat(ImageNetClasses.defaultFor(10)).isEmpty();
    }
}
