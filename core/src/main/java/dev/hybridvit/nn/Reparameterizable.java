package dev.hybridvit.nn;

/**
 * A module with an inference form that computes the same function with fewer ops, as timm's
 * {@code reparameterize()}: typically a BatchNorm folded into the conv before it or the linear op
 * after it, after which the norm is the identity ({@link BatchNorm#isFolded}). Implementations
 * fold only what is not folded yet, so a second call changes nothing; they run in eval mode and
 * may assume that their children have been reparameterised already (see {@link Reparameterization}).
 */
public interface Reparameterizable {
    /** Folds this module's inference-time constants into its neighbours. */
    void reparameterize();
}
