package dev.hybridvit.train;

import java.util.ArrayList;
import java.util.List;

/**
 * mmsegmentation's {@code IoUMetric}: per-class intersection, union, prediction and label pixel
 * totals accumulated over a whole set (not averaged per image), then per class IoU =
 * intersect / union and Acc = intersect / label, their means over the classes that occur
 * (NaN classes skipped, as {@code np.nanmean}), and aAcc = Σ intersect / Σ label. Pixels
 * labelled {@code ignoreIndex} count nowhere.
 */
public final class SegmentationMetrics {
    private final int classes, ignoreIndex;
    private final long[] intersect, union, predicted, labelled;

    public SegmentationMetrics(int classes, int ignoreIndex) {
        this.classes = classes;
        this.ignoreIndex = ignoreIndex;
        intersect = new long[classes];
        union = new long[classes];
        predicted = new long[classes];
        labelled = new long[classes];
    }

    /** Adds one image (or batch): predicted and true labels of the same pixels. */
    public void add(int[] prediction, int[] label) {
        if (prediction.length != label.length)
            throw new IllegalArgumentException(
                    prediction.length + " predicted pixels for " + label.length + " labelled ones");
        for (int i = 0; i < label.length; i++) {
            int t = label[i];
            if (t == ignoreIndex) continue;
            if (t < 0 || t >= classes)
                throw new IllegalArgumentException("label " + t + " at pixel " + i + " is outside 0.." + (classes - 1)
                        + " and not the ignore index " + ignoreIndex);
            int p = prediction[i];
            labelled[t]++;
            if (p >= 0 && p < classes) predicted[p]++;
            if (p == t) intersect[t]++;
        }
        for (int c = 0; c < classes; c++) union[c] = predicted[c] + labelled[c] - intersect[c];
    }

    /** The figures so far. */
    public Result result() {
        List<Double> iou = new ArrayList<>(), acc = new ArrayList<>();
        long hit = 0, total = 0;
        for (int c = 0; c < classes; c++) {
            iou.add(union[c] == 0 ? Double.NaN : (double) intersect[c] / union[c]);
            acc.add(labelled[c] == 0 ? Double.NaN : (double) intersect[c] / labelled[c]);
            hit += intersect[c];
            total += labelled[c];
        }
        return new Result(iou, acc, nanMean(iou), nanMean(acc), total == 0 ? Double.NaN : (double) hit / total);
    }

    private static double nanMean(List<Double> v) {
        double s = 0;
        int n = 0;
        for (double x : v)
            if (!Double.isNaN(x)) {
                s += x;
                n++;
            }
        return n == 0 ? Double.NaN : s / n;
    }

    /** Per-class IoU and accuracy (NaN for a class absent from labels and predictions), mIoU, mAcc, aAcc. */
    public record Result(List<Double> iou, List<Double> acc, double mIoU, double mAcc, double aAcc) {}
}
