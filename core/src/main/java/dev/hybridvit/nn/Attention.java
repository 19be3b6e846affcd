package dev.hybridvit.nn;

import ai.djl.ndarray.NDArray;

/** Scaled dot-product attention written out as the papers do: softmax(q·kᵀ·scale [+ bias])·v. */
public final class Attention {
    private Attention() {}

    /**
     * @param q    B×h×N×d queries
     * @param k    B×h×Nk×d keys
     * @param v    B×h×Nk×d values
     * @param bias h×N×Nk (broadcast over the batch) added after scaling, or null
     * @return B×h×N×d
     */
    public static NDArray attend(NDArray q, NDArray k, NDArray v, double scale, NDArray bias) {
        NDArray out = probabilities(q, k, scale, bias).matMul(v);
        var s = q.getShape();
        long nk = k.getShape().get(2);
        MacCounter.add(2L * s.get(0) * s.get(1) * s.get(2) * nk * s.get(3));
        return out;
    }

    /** The attention weights softmax(q·kᵀ·scale [+ bias]): B×h×N×Nk, each query's row summing to 1. */
    public static NDArray probabilities(NDArray q, NDArray k, double scale, NDArray bias) {
        NDArray product = q.matMul(k.transpose(0, 1, 3, 2));
        // The scale as a libtorch-allocated scalar (torch::full). DJL's mul(Number) wraps a Java
        // direct buffer (from_blob) that becomes garbage-collectable when it closes right after the
        // multiply, yet autograd reads it again in backward: after a GC the q/k gradients came out 0.
        NDArray scores = product.mul(product.getManager().full(new ai.djl.ndarray.types.Shape(), (float) scale));
        if (bias != null) scores = scores.add(bias);
        return scores.softmax(-1);
    }

    /** B×N×C tokens → B×heads×N×(C/heads). */
    public static NDArray splitHeads(NDArray x, int heads) {
        var s = x.getShape();
        return x.reshape(s.get(0), s.get(1), heads, s.get(2) / heads).transpose(0, 2, 1, 3);
    }

    /** B×heads×N×d → B×N×(heads·d). */
    public static NDArray mergeHeads(NDArray x) {
        var s = x.getShape();
        return x.transpose(0, 2, 1, 3).reshape(s.get(0), s.get(2), s.get(1) * s.get(3));
    }
}
