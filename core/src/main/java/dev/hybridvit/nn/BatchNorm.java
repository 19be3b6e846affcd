package dev.hybridvit.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Batch normalisation over axis 1 ({@code nn.BatchNorm2d} on N×C×H×W, {@code nn.BatchNorm1d} on
 * N×C×L): eval uses the running statistics; training normalises with batch statistics and updates
 * the running ones with PyTorch's momentum 0.1 (unbiased variance), counting batches.
 */
public final class BatchNorm extends Module {
    public static final double EPS = 1e-5;
    public final int channels;
    private final Parameter weight, bias, runningMean, runningVar, batchesTracked;
    private boolean folded;

    public BatchNorm(int channels) {
        this.channels = channels;
        this.weight = parameter("weight", new Shape(channels), Init.ONES);
        this.bias = parameter("bias", new Shape(channels), Init.ZEROS);
        this.runningMean = buffer("running_mean", new Shape(channels), DataType.FLOAT32, Init.ZEROS);
        this.runningVar = buffer("running_var", new Shape(channels), DataType.FLOAT32, Init.ONES);
        this.batchesTracked = buffer("num_batches_tracked", new Shape(), DataType.INT64, Init.ZEROS);
    }

    public Parameter weight() {
        return weight;
    }

    public Parameter bias() {
        return bias;
    }

    public Parameter runningMean() {
        return runningMean;
    }

    public Parameter runningVar() {
        return runningVar;
    }

    /** True once this norm's map lives in a neighbouring conv or linear op: it is then the identity. */
    public boolean isFolded() {
        return folded;
    }

    @Override
    public NDArray forward(NDArray x) {
        if (folded) return x;
        if (x.getShape().get(1) != channels) {
            throw new IllegalArgumentException("BatchNorm expects " + channels + " channels, got " + x.getShape());
        }
        if (isTraining()) batchesTracked.value().addi(1);
        // DJL's momentum is the weight of the old running value: 1 - PyTorch's 0.1.
        return ai.djl.nn.norm.BatchNorm.batchNorm(
                        x,
                        runningMean.value(),
                        runningVar.value(),
                        weight.value(),
                        bias.value(),
                        1,
                        0.9f,
                        (float) EPS,
                        isTraining())
                .singletonOrThrow();
    }

    /**
     * The eval-mode map as a per-channel affine y = s·x + t, in float64: s = γ/√(σ²+ε),
     * t = β − s·μ (used to fold this norm into a neighbouring linear op).
     */
    public double[][] affine() {
        float[] g = weight.value().toFloatArray(), b = bias.value().toFloatArray();
        float[] mu = runningMean.value().toFloatArray(),
                var = runningVar.value().toFloatArray();
        double[] s = new double[channels], t = new double[channels];
        for (int c = 0; c < channels; c++) {
            s[c] = g[c] / Math.sqrt(var[c] + EPS);
            t[c] = b[c] - s[c] * mu[c];
        }
        return new double[][] {s, t};
    }

    /**
     * Folds this norm into the conv whose output it normalises (conv → BN, the usual Conv+BN
     * merge; the conv gains a bias if it had none); this norm becomes the identity. No-op when
     * already folded.
     */
    public void foldInto(Conv2d conv) {
        if (folded) return;
        requireEval();
        float[] b = conv.bias() == null ? null : conv.bias().value().toFloatArray();
        float[][] f = BatchNormFold.foldAfter(conv.weight().value().toFloatArray(), b, conv.out, affine());
        conv.setWeights(f[0], f[1]);
        folded = true;
    }

    /**
     * Folds this norm into the layers that read its output (a pre-norm: Next-ViT's {@code
     * merge_pre_bn}), each a {@link Linear} or a 1×1 {@link Conv2d} with a bias; this norm
     * becomes the identity. No-op when already folded. Also exact across an average pool between
     * them (a per-channel affine commutes with it), as in a BN → pool → classifier head.
     */
    public void foldIntoNext(Module... consumers) {
        if (folded) return;
        requireEval();
        double[][] affine = affine();
        for (Module m : consumers) {
            if (m instanceof Linear l) BatchNormFold.foldInto(l.weight(), l.bias(), affine);
            else if (m instanceof Conv2d c && c.kernel == 1 && c.groups == 1 && c.bias() != null) {
                BatchNormFold.foldInto(c.weight(), c.bias(), affine);
            } else throw new IllegalArgumentException("a pre-norm folds into a Linear or a biased 1×1 conv, not " + m);
        }
        folded = true;
    }

    private void requireEval() {
        if (isTraining())
            throw new IllegalStateException("fold BatchNorm in eval mode (training normalises with batch statistics)");
    }
}
