package dev.hybridvit.data;

import java.util.Random;

/**
 * A per-sample image transform on C×H×W float arrays. Transforms are pure functions of their
 * input and the given random source, so loading threads can share them.
 */
@FunctionalInterface
public interface Transform {
    /** A transformed image; {@code dims} holds {C, H, W} of the input and is updated to the output's. */
    float[] apply(float[] image, int[] dims, Random rng);

    default Transform then(Transform next) {
        return (img, dims, rng) -> next.apply(apply(img, dims, rng), dims, rng);
    }
}
