package dev.hybridvit.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The evaluation preprocessing against PIL 9.4 + torchvision 0.14 ({@code convert("RGB")},
 * {@code Resize(floor(size / crop_pct), interpolation)}, {@code CenterCrop(size)}), on images of
 * every mode PIL converts (L, P, RGBA, LA, 16-bit grey, CMYK JPEG, greyscale and 4:2:0 JPEG),
 * sizes from 40 to 640 pixels, aspect ratios 1:4 to 4:1, and three public-domain photographs. The
 * goldens are PIL's uint8 output before {@code ToTensor}, written by
 * {@code tools/preprocessing/make_goldens.py}. Losslessly stored images must match exactly; JPEGs
 * may differ by one step where ImageIO's libjpeg 6b and PIL's libjpeg-turbo decode differently.
 */
class PilParityTest {
    record Case(String image, int size, double cropPct, Interpolation filter, String golden) {
        @Override
        public String toString() {
            return image + " " + size + " crop " + cropPct + " " + filter.id();
        }
    }

    static Stream<Case> cases() throws IOException {
        List<String> lines = Files.readAllLines(resource("cases.tsv"), StandardCharsets.UTF_8);
        return lines.stream().filter(l -> !l.startsWith("#") && !l.isBlank()).map(l -> {
            String[] f = l.split("\t");
            return new Case(f[0], Integer.parseInt(f[1]), Double.parseDouble(f[2]), Interpolation.parse(f[3]), f[4]);
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesPilAndTorchvision(Case c) throws IOException {
        float[] ours = ImageFiles.toTensor(ImageFiles.decode(resource(c.image)), c.size, c.cropPct, c.filter);
        RgbImage golden;
        try (InputStream in = Files.newInputStream(resource(c.golden))) {
            golden = RgbImage.of(ImageIO.read(in));
        }
        assertThat(golden.width()).isEqualTo(c.size);
        int plane = c.size * c.size, worst = 0;
        for (int i = 0; i < plane; i++) {
            for (int ch = 0; ch < 3; ch++) {
                int want = golden.pixels()[3 * i + ch] & 0xff;
                int got = Math.round(ours[ch * plane + i] * 255);
                worst = Math.max(worst, Math.abs(got - want));
            }
        }
        if (System.getProperty("pil.parity.report") != null) System.out.println("PARITY\t" + c + "\t" + worst);
        assertThat(worst).as("max deviation in 1/255 steps").isLessThanOrEqualTo(c.image.endsWith(".jpg") ? 1 : 0);
    }

    private static Path resource(String name) {
        try {
            return Path.of(
                    PilParityTest.class.getResource("/preprocessing/" + name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("test resource preprocessing/" + name + " missing", e);
        }
    }
}
