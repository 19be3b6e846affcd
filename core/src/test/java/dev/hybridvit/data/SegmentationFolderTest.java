package dev.hybridvit.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ADE20K-layout reader on scenes written by {@link FashionScenes}, and mmseg's training pipeline. */
class SegmentationFolderTest {
    @TempDir
    Path tmp;

    private FashionScenes scenes() throws IOException {
        return new FashionScenes(
                FashionMnist.load(DataSources.fashionMnistDir(), "t10k").head(50), 64, 3, 7);
    }

    @Test
    void readsBackTheWrittenScenes() throws IOException {
        FashionScenes scenes = scenes();
        scenes.writeAde20k(tmp, "validation", 3);
        SegmentationFolder folder = SegmentationFolder.open(tmp, "validation", false, 0);
        assertThat(folder.size()).isEqualTo(3);
        assertThat(folder.classes()).isEqualTo(FashionScenes.CLASSES);
        SegmentationFolder.Sample s = folder.read(2);
        assertThat(s.width()).isEqualTo(64);
        int[] expected = scenes.scene(2).label();
        for (int p = 0; p < expected.length; p++)
            assertThat(s.label()[p] & 0xff).isEqualTo(expected[p]);

        // reduce_zero_label: 0 → ignore, k → k − 1
        SegmentationFolder reduced = SegmentationFolder.open(tmp, "validation", true, 0);
        byte[] r = reduced.read(2).label();
        for (int p = 0; p < expected.length; p++)
            assertThat(r[p] & 0xff).isEqualTo(expected[p] == 0 ? SegmentationFolder.IGNORE : expected[p] - 1);
    }

    @Test
    void badFoldersAreNamedInOneLine() throws IOException {
        scenes().writeAde20k(tmp, "training", 2);
        assertThatThrownBy(() -> SegmentationFolder.open(tmp, "validation", false, 0))
                .hasMessageContaining("images" + java.io.File.separator + "validation")
                .hasMessageNotContaining("\n");
        Files.delete(tmp.resolve("annotations/training/scene_00001.png"));
        assertThatThrownBy(() -> SegmentationFolder.open(tmp, "training", false, 0))
                .hasMessageContaining("scene_00001.jpg has no annotation");
        // a label beyond the classes names the file and pixel
        BufferedImage ann = new BufferedImage(64, 64, BufferedImage.TYPE_BYTE_GRAY);
        ann.getRaster().setSample(3, 4, 0, 40);
        ImageIO.write(
                ann, "png", tmp.resolve("annotations/training/scene_00001.png").toFile());
        SegmentationFolder folder = SegmentationFolder.open(tmp, "training", false, 0);
        assertThatThrownBy(() -> folder.read(1))
                .hasMessageContaining("scene_00001.png: label 40 at (3, 4) is outside 0..10");
        // a bare folder without classes.txt needs the class count
        Files.delete(tmp.resolve(SegmentationFolder.CLASSES_FILE));
        assertThatThrownBy(() -> SegmentationFolder.open(tmp, "training", false, 0))
                .hasMessageContaining("no classes.txt");
        assertThat(SegmentationFolder.open(tmp, "training", false, 11).classes())
                .hasSize(11);
    }

    @Test
    void trainingPipelineCropsPadsAndKeepsLabelsWithTheirPixels() throws IOException {
        FashionScenes scenes = scenes();
        scenes.writeAde20k(tmp, "training", 4);
        SegmentationFolder folder = SegmentationFolder.open(tmp, "training", false, 0);
        // a 48 crop of a 64 image resized by 0.5–2.0 of (4·48, 48): sometimes smaller than the crop, then padded
        SegmentationPipeline pipeline = SegmentationPipeline.forCrop(48);
        SplittableRandom rng = new SplittableRandom(1);
        int padded = 0, multiClass = 0;
        for (int i = 0; i < 40; i++) {
            SegmentationPipeline.Example e = pipeline.train(folder.read(i % 4), rng);
            assertThat(e.height()).isEqualTo(48);
            assertThat(e.image()).hasSize(3 * 48 * 48);
            long ignored = java.util.Arrays.stream(e.label())
                    .filter(l -> l == SegmentationFolder.IGNORE)
                    .count();
            if (ignored > 0) {
                padded++;
                // padding is the bottom-right corner: image 0 there, label ignored
                assertThat(e.label()[48 * 48 - 1]).isEqualTo(SegmentationFolder.IGNORE);
                assertThat(e.image()[48 * 48 - 1]).isZero();
            }
            if (java.util.Arrays.stream(e.label())
                            .filter(l -> l != 255)
                            .distinct()
                            .count()
                    > 1) multiClass++;
            for (int l : e.label()) assertThat(l == 255 || (l >= 0 && l <= 10)).isTrue();
        }
        assertThat(padded).as("crops padded").isPositive();
        assertThat(multiClass).as("crops with more than one class").isGreaterThan(30);

        // without distortion, the evaluation form is the normalised image at the scale
        SegmentationPipeline plain = new SegmentationPipeline(
                256, 64, 1, 1, 64, 1, false, SegmentationPipeline.MEAN, SegmentationPipeline.STD);
        SegmentationFolder.Sample s = folder.read(0);
        int[] size = new int[2];
        float[] eval = plain.evaluate(s.image(), size);
        assertThat(size).containsExactly(64, 64);
        assertThat(eval[0])
                .isCloseTo(
                        ((s.image().pixels()[0] & 0xff) - 123.675f) / 58.395f,
                        org.assertj.core.data.Offset.offset(1e-5f));
        SegmentationPipeline.Example e = plain.train(s, new SplittableRandom(3));
        float[] flippedOrNot = e.image();
        boolean same = flippedOrNot[0] == eval[0], mirrored = flippedOrNot[0] == eval[63];
        assertThat(same || mirrored).isTrue();
    }
}
