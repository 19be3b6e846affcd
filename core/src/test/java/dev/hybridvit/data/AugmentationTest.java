package dev.hybridvit.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.hybridvit.models.ModelSpec;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** RandAugment, random erasing and mixup/cutmix: timm's semantics, value ranges, seeding, cost. */
class AugmentationTest {
    private static final int C = 3, H = 32, W = 32;

    /** A smooth test image in [0, 1] with distinct channels. */
    private static float[] image() {
        float[] x = new float[C * H * W];
        for (int c = 0; c < C; c++) {
            for (int y = 0; y < H; y++) {
                for (int i = 0; i < W; i++)
                    x[(c * H + y) * W + i] = (float) (0.5 + 0.4 * Math.sin(0.2 * i + 0.3 * y + c));
            }
        }
        return x;
    }

    private static float[] op(RandAugment ra, RandAugment.Op op, float[] img, long seed) {
        return ra.apply(op, img.clone(), new int[] {C, H, W}, new Random(seed));
    }

    @Test
    void everyOpKeepsShapeAndRangeAndIsSeeded() {
        RandAugment ra = RandAugment.parse("rand-m9-mstd0.5-p1", ModelSpec.IMAGENET_MEAN);
        float[] img = image();
        for (RandAugment.Op op : RandAugment.Op.values()) {
            float[] a = op(ra, op, img, 5), b = op(ra, op, img, 5);
            assertThat(a).as(op.name()).hasSize(img.length).containsExactly(b);
            for (float v : a) assertThat(v).as(op.name()).isBetween(0f, 1f);
        }
        assertThat(op(ra, RandAugment.Op.INVERT, img, 1)[7]).isCloseTo(1 - img[7], within(1e-6f));
        float[] poster = op(ra, RandAugment.Op.POSTERIZE, img, 1); // m≈9 → 3 bits: multiples of 32/255
        for (float v : poster) assertThat(Math.round(v * 255) % 32).isZero();
    }

    @Test
    void magnitudeZeroGeometryIsIdentityAndTranslationShifts() {
        float[] img = image();
        RandAugment zero = new RandAugment(0, 1, 0, 10, 1.0, false, new float[] {0, 0, 0});
        for (RandAugment.Op op :
                new RandAugment.Op[] {RandAugment.Op.ROTATE, RandAugment.Op.SHEAR_X, RandAugment.Op.TRANSLATE_Y_REL}) {
            float[] out = op(zero, op, img, 3);
            for (int i = 0; i < img.length; i++)
                assertThat(out[i]).as(op.name()).isCloseTo(img[i], within(1e-5f));
        }
        // m=10/0.45·(8/32): a translation by 8 pixels either way, filled with the fill colour
        RandAugment shift =
                new RandAugment(10 * 8 / (0.45 * 32), 1, 0, 100, 1.0, false, new float[] {0.25f, 0.25f, 0.25f});
        float[] out = op(shift, RandAugment.Op.TRANSLATE_X_REL, img, 3);
        boolean left = out[0] == 0.25f;
        int from = left ? 0 : W - 8;
        for (int x = from; x < from + 8; x++) assertThat(out[5 * W + x]).isEqualTo(0.25f);
        int src = left ? 0 : 8, dst = left ? 8 : 0;
        assertThat(out[5 * W + dst + 3]).isCloseTo(img[5 * W + src + 3], within(1e-5f));
    }

    @Test
    void pixelSpaceWrapperEqualsAugmentingBeforeNormalisation() {
        float[] mean = ModelSpec.IMAGENET_MEAN, std = ModelSpec.IMAGENET_STD;
        RandAugment ra = RandAugment.parse("rand-m9-mstd0.5", mean);
        Transform before = ra.then(Transforms.normalize(mean, std));
        Transform after = Transforms.normalize(mean, std).then(Transforms.inPixelSpace(mean, std, ra));
        for (long seed = 0; seed < 20; seed++) {
            float[] a = before.apply(image(), new int[] {C, H, W}, new Random(seed));
            float[] b = after.apply(image(), new int[] {C, H, W}, new Random(seed));
            for (int i = 0; i < a.length; i++) assertThat(b[i]).isCloseTo(a[i], within(1e-4f));
        }
    }

    @Test
    void flipProbabilityIsHonoured() {
        float[] img = image();
        int[] d = {C, H, W};
        float[] mirrored = Transforms.horizontalFlip(1).apply(img, d, new Random(1));
        assertThat(mirrored[5]).isEqualTo(img[W - 1 - 5]);
        assertThat(Transforms.horizontalFlip(1).apply(mirrored, d, new Random(2)))
                .containsExactly(img);
        Random r = new Random(3);
        for (int i = 0; i < 20; i++)
            assertThat(Transforms.horizontalFlip(0).apply(img, d, r)).isSameAs(img);
        int flips = 0;
        for (int i = 0; i < 1000; i++) if (Transforms.horizontalFlip(0.25).apply(img, d, r) != img) flips++;
        assertThat(flips).isBetween(200, 300);
        assertThatThrownBy(() -> Augmentation.none().withHflip(1.5)).hasMessageContaining("1.5");
    }

    @Test
    void badConfigsAreRejectedByName() {
        assertThatThrownBy(() -> RandAugment.parse("v0", new float[] {0})).hasMessageContaining("only RandAugment");
        assertThatThrownBy(() -> RandAugment.parse("rand-m9-w0", new float[] {0}))
                .hasMessageContaining("'w0'");
        assertThatThrownBy(() -> Augmentation.none().withAutoAugment("rand-mx")).hasMessageContaining("rand-mx");
        assertThat(Augmentation.none().withAutoAugment("none").autoAugment()).isNull();
    }

    @Test
    void cheapEnoughForTheLoaderThreads() {
        Transform t = Transforms.inPixelSpace(
                        ModelSpec.IMAGENET_MEAN,
                        ModelSpec.IMAGENET_STD,
                        RandAugment.parse("rand-m9-mstd0.5", ModelSpec.IMAGENET_MEAN))
                .then(new RandomErasing(0.25, RandomErasing.Mode.PIXEL, 1));
        Random rng = new Random(1);
        float[] img = image();
        for (int i = 0; i < 2000; i++) t.apply(img.clone(), new int[] {C, H, W}, rng); // warm-up
        long t0 = System.nanoTime();
        int n = 5000;
        for (int i = 0; i < n; i++) t.apply(img.clone(), new int[] {C, H, W}, rng);
        double perImageUs = (System.nanoTime() - t0) / 1e3 / n;
        assertThat(perImageUs)
                .as("µs per 32×32 image (training needs ~600 images/s)")
                .isLessThan(500);
    }

    @Test
    void randomErasingOverwritesOneBoxOfTheRightSize() {
        RandomErasing re = new RandomErasing(1.0, RandomErasing.Mode.PIXEL, 1);
        for (long seed = 0; seed < 50; seed++) {
            float[] out = re.apply(new float[C * H * W], new int[] {C, H, W}, new Random(seed));
            int changed = 0;
            for (int i = 0; i < H * W; i++) if (out[i] != 0) changed++;
            assertThat(changed).isBetween((int) (0.015 * H * W), (int) (0.34 * H * W));
        }
        float[] zeros = new float[C * H * W];
        assertThat(new RandomErasing(0, RandomErasing.Mode.PIXEL, 1).apply(zeros, new int[] {C, H, W}, new Random(1)))
                .isSameAs(zeros);
    }

    private static BatchLoader.Batch batch(int n) {
        float[] x = new float[n * C * H * W];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            java.util.Arrays.fill(x, i * C * H * W, (i + 1) * C * H * W, i);
            labels[i] = i % 10;
        }
        return new BatchLoader.Batch(x, labels, n, new int[] {C, H, W});
    }

    @Test
    void mixupBlendsWithTheReversedBatchAndFoldsInSmoothing() {
        BatchLoader.Batch b = batch(4);
        Mixup.Mixed m = new Mixup(0.8, 0, 1.0, 0.5, 0, 0.1, 10).apply(b, new Random(3));
        double lam = m.lambda();
        assertThat(m.cutmix()).isFalse();
        assertThat(m.images()[0]).isCloseTo((float) (lam * 0 + (1 - lam) * 3), within(1e-5f));
        assertThat(b.images()[0]).isZero(); // the input is left alone
        assertThat(m.targets()[0]).isCloseTo((float) (0.01 + lam * 0.9), within(1e-6f)); // sample 0, own class 0
        assertThat(m.targets()[3])
                .isCloseTo((float) (0.01 + (1 - lam) * 0.9), within(1e-6f)); // sample 0, partner's class 3
        for (int i = 0; i < 4; i++) {
            double sum = 0;
            for (int k = 0; k < 10; k++) sum += m.targets()[i * 10 + k];
            assertThat(sum).isCloseTo(1, within(1e-5));
        }
    }

    @Test
    void cutmixLambdaIsTheAreaKept() {
        BatchLoader.Batch b = batch(2);
        for (long seed = 0; seed < 20; seed++) {
            Mixup.Mixed m = new Mixup(0, 1.0, 1.0, 0.5, 0, 0, 10).apply(b, new Random(seed));
            assertThat(m.cutmix()).isTrue();
            int kept = 0;
            for (int i = 0; i < H * W; i++) if (m.images()[i] == 0) kept++;
            assertThat(m.lambda()).isCloseTo((double) kept / (H * W), within(1e-9));
            assertThat(m.targets()[0]).isCloseTo((float) m.lambda(), within(1e-6f));
        }
        assertThat(new Mixup(0.8, 1.0, 0, 0.5, 0, 0.1, 10)
                        .apply(b, new Random(1))
                        .lambda())
                .isEqualTo(1.0); // --mixup-prob 0
        assertThat(new Mixup(0.8, 0, 1, 0.5, 3, 0.1, 10).activeIn(2)).isTrue();
        assertThat(new Mixup(0.8, 0, 1, 0.5, 3, 0.1, 10).activeIn(3)).isFalse();
    }

    @Test
    void betaSamplerHasTheRightMoments() {
        Random rng = new Random(11);
        int n = 40_000;
        double sum = 0, sq = 0;
        for (int i = 0; i < n; i++) {
            double v = Mixup.beta(rng, 0.8);
            sum += v;
            sq += v * v;
        }
        double mean = sum / n, var = sq / n - mean * mean;
        assertThat(mean).isCloseTo(0.5, within(0.01));
        assertThat(var).isCloseTo(1 / (4 * (2 * 0.8 + 1)), within(0.005)); // Beta(α, α): 1 / (4(2α + 1))
    }

    @Test
    void randomResizedCropDrawsRegionsInsideItsRanges() {
        RandomResizedCrop rrc = RandomResizedCrop.DEFAULT;
        Random rng = new Random(3);
        double minArea = 1, maxArea = 0;
        for (int i = 0; i < 2000; i++) {
            int[] r = rrc.region(64, 48, rng);
            assertThat(r[0]).isBetween(0, 64 - r[2]);
            assertThat(r[1]).isBetween(0, 48 - r[3]);
            double area = (double) r[2] * r[3] / (64 * 48), ratio = (double) r[3] / r[2];
            // rounding each side to whole pixels moves area and ratio a little past the drawn values
            assertThat(area).isBetween(0.08 * 0.8, 1.0);
            assertThat(ratio).isBetween(0.75 * 0.85, 4.0 / 3 / 0.85);
            minArea = Math.min(minArea, area);
            maxArea = Math.max(maxArea, area);
        }
        assertThat(minArea).as("small crops are drawn").isLessThan(0.12);
        assertThat(maxArea).as("large crops are drawn").isGreaterThan(0.9);
        // no draw fits a range of ratios the image cannot hold: torchvision's fallback, the centre crop at the clamped
        // ratio
        assertThat(new RandomResizedCrop(1, 1, 2, 3).region(40, 40, new Random(1)))
                .containsExactly(10, 0, 20, 40);
    }

    @Test
    void randomResizedCropOfTheWholeImageIsTheIdentityAndACropIsASubBlock() {
        float[] img = image();
        int[] d = {C, H, W};
        assertThat(new RandomResizedCrop(1, 1, 1, 1).to(W).apply(img, d, new Random(0)))
                .containsExactly(img);
        // a quarter of the area at ratio 1 is a 16×16 block; resized to 16 it must be that block exactly
        RandomResizedCrop quarter = new RandomResizedCrop(0.25, 0.25, 1, 1);
        int[] r = quarter.region(H, W, new Random(9));
        float[] crop = quarter.to(16).apply(img, d, new Random(9));
        assertThat(d).containsExactly(C, 16, 16);
        for (int c = 0; c < C; c++) {
            for (int y = 0; y < 16; y++) {
                for (int x = 0; x < 16; x++) {
                    assertThat(crop[(c * 16 + y) * 16 + x]).isEqualTo(img[(c * H + r[0] + y) * W + r[1] + x]);
                }
            }
        }
        assertThatThrownBy(() -> new RandomResizedCrop(0.5, 0.2, 1, 1)).hasMessageContaining("--scale");
        assertThatThrownBy(() -> new RandomResizedCrop(0.1, 1, 0, 1)).hasMessageContaining("--ratio");
    }
}
