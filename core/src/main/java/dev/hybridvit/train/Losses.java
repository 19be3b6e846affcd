package dev.hybridvit.train;

import ai.djl.ndarray.NDArray;

/** Classification losses on logits (N×K), and the pixel-wise one of segmentation (N×K×H×W). */
public final class Losses {
    private Losses() {}

    /** Cross-entropy against soft targets (label smoothing, mixup): mean over the batch of −Σ t·log p. */
    public static NDArray softCrossEntropy(NDArray logits, NDArray targets) {
        return logits.logSoftmax(1).mul(targets).sum(new int[] {1}).mean().neg();
    }

    /** One-hot targets with label smoothing: (1 − ε) on the class, ε/K spread over all classes. */
    public static NDArray smoothedTargets(NDArray labels, int classes, double smoothing) {
        return labels.oneHot(classes).mul(1 - smoothing).add(smoothing / classes);
    }

    /**
     * Pixel-wise cross-entropy of N×K×H×W logits against N×H×W integer labels, averaged over the
     * pixels whose label is not {@code ignoreIndex} ({@code F.cross_entropy(ignore_index=255)}, as
     * mmseg's decode-head loss); 0 when every pixel is ignored.
     */
    public static NDArray pixelCrossEntropy(NDArray logits, NDArray labels, int ignoreIndex) {
        int classes = (int) logits.getShape().get(1);
        NDArray valid = labels.neq(ignoreIndex);
        NDArray safe = labels.mul(valid.toType(labels.getDataType(), false)); // ignored pixels → class 0, masked below
        NDArray logp = logits.logSoftmax(1);
        NDArray picked = logp.mul(safe.oneHot(classes).transpose(0, 3, 1, 2)).sum(new int[] {1});
        NDArray mask = valid.toType(logits.getDataType(), false);
        return picked.mul(mask).sum().neg().div(mask.sum().maximum(1f));
    }
}
