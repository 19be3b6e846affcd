package dev.hybridvit.train;

import ai.djl.ndarray.NDArray;

/** Classification losses on logits (N×K). */
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
}
