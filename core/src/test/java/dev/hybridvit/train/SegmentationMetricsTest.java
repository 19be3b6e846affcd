package dev.hybridvit.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.hybridvit.tensor.Tensors;
import org.junit.jupiter.api.Test;

/** mmseg's IoU metric on a hand-computed case, and the pixel cross-entropy's ignore index. */
class SegmentationMetricsTest {
    @Test
    void matchesAHandComputedCase() {
        SegmentationMetrics m = new SegmentationMetrics(3, 255);
        // labels:      0 0 1 1 2 255 ; predictions: 0 1 1 1 0 2
        m.add(new int[] {0, 1, 1, 1, 0, 2}, new int[] {0, 0, 1, 1, 2, 255});
        SegmentationMetrics.Result r = m.result();
        // class 0: I=1, pred 2, label 2 → U=3; class 1: I=2, pred 3, label 2 → U=3; class 2: I=0, pred 0, label 1 → U=1
        assertThat(r.iou()).containsExactly(1 / 3.0, 2 / 3.0, 0.0);
        assertThat(r.acc()).containsExactly(0.5, 1.0, 0.0);
        assertThat(r.mIoU()).isCloseTo(1 / 3.0, within(1e-12));
        assertThat(r.aAcc()).isCloseTo(3 / 5.0, within(1e-12));
        assertThat(r.mAcc()).isCloseTo(0.5, within(1e-12));
    }

    @Test
    void absentClassesAreSkippedInTheMeans() {
        SegmentationMetrics m = new SegmentationMetrics(4, 255);
        m.add(new int[] {0, 0}, new int[] {0, 0});
        SegmentationMetrics.Result r = m.result();
        assertThat(r.iou().get(3)).isNaN();
        assertThat(r.mIoU()).isEqualTo(1.0);
    }

    @Test
    void pixelCrossEntropySkipsIgnoredPixels() {
        try (NDManager m = Tensors.newManager()) {
            NDArray logits = m.randomNormal(new Shape(1, 3, 1, 2));
            float[] l = logits.toFloatArray(); // channel-major: class k at pixel p is l[k*2+p]
            NDArray labels = m.create(new long[] {2, 255}, new Shape(1, 1, 2)).reshape(1, 1, 2);
            double lse = Math.log(Math.exp(l[0]) + Math.exp(l[2]) + Math.exp(l[4]));
            float loss = Losses.pixelCrossEntropy(logits, labels, 255).getFloat();
            assertThat((double) loss).isCloseTo(lse - l[4], within(1e-5));
            NDArray allIgnored = m.create(new long[] {255, 255}, new Shape(1, 1, 2));
            assertThat(Losses.pixelCrossEntropy(logits, allIgnored, 255).getFloat())
                    .isZero();
        }
    }
}
