package dev.hybridvit.models.cmt;

import java.util.List;

/**
 * CMT's compound scaling (CMT §3.4, after EfficientNet): from a base network, a single coefficient
 * φ scales
 * <pre>
 *   depth      d_s' = max(1, round(d_s · α^φ))                      α = 1.2
 *   width      C_0' = max(8, 8 · round(C_0 · β^φ / 8)),  C_s' = C_0' · 2^s   β = 1.3
 *   stem       c'   = max(8, 8 · round(c · β^φ / 8))
 *   resolution r'   = max(32, 32 · round(r · γ^φ / 32))            γ = 1.15
 * </pre>
 * (round = round half up). Rounding choices, which the paper leaves open:
 * <ul>
 *   <li>Widths: the released variants double the width from stage to stage while the head count
 *       goes 1, 2, 4, 8, so the head dim is the same in every stage. The stage-0 width is
 *       scaled and rounded to a multiple of 8, and stage s gets 2^s times it: every stage width
 *       is then a multiple of 8 and thus of its head count, and the head dim stays constant.</li>
 *   <li>The stem width is scaled by β^φ as well, to a multiple of 8 (CMT-S's 32 becomes 16 at
 *       φ = −2, the Ti/XS stem).</li>
 *   <li>The resolution is rounded to a multiple of 32, the model's size divisor.</li>
 *   <li>Heads, reduction ratios k, the IRFFN ratio R, the 1280-wide head conv, the dropouts and
 *       the stochastic-depth rate are taken from the base.</li>
 * </ul>
 * The released CMT-Ti/XS/B are hand-rounded and do not follow these formulas literally (e.g.
 * CMT-S at φ = 1 gives widths 80·2^s, depths 4/4/19/4 at 256, where CMT-B has 76·2^s and
 * 4/4/20/4); the registry keeps their official tables, and the models derived here carry the
 * project's {@code _hv} suffix.
 */
public final class CompoundScaling {
    public static final double ALPHA = 1.2, BETA = 1.3, GAMMA = 1.15;
    private static final int WIDTH_DIVISOR = 8;

    /** A derived configuration and how it was obtained. */
    public record Scaled(CMTConfig base, double phi, CMTConfig config) {}

    /** φ = −2 from CMT-S: depths 2/2/11/2, widths 40·2^s, stem 16, 160 px. */
    public static final Scaled XXS = derive("cmt_xxs_hv", CMTConfig.S, -2);
    /** φ = −4 from CMT-S: depths 1/1/8/1, widths 24·2^s, stem 8, 128 px — small enough to train on a CPU. */
    public static final Scaled NANO = derive("cmt_nano_hv", CMTConfig.S, -4);
    /** The project-own scaled models in the registry. */
    public static final List<Scaled> PROJECT_MODELS = List.of(XXS, NANO);

    private CompoundScaling() {}

    private static Scaled derive(String name, CMTConfig base, double phi) {
        return new Scaled(base, phi, scale(base, phi, name));
    }

    /** The configuration {@code base} scaled by φ (formulas in the class comment), named {@code name}. */
    public static CMTConfig scale(CMTConfig base, double phi, String name) {
        if (!Double.isFinite(phi)) throw new IllegalArgumentException("phi must be finite, got " + phi);
        return scale(base, Math.pow(ALPHA, phi), Math.pow(BETA, phi), Math.pow(GAMMA, phi), name);
    }

    /**
     * {@code base} scaled along each axis by its own multiplier (α^φ, β^φ, γ^φ for compound
     * scaling; 1 leaves an axis as it is), with the rounding of the class comment: the
     * single-axis scalings the paper compares compound scaling against.
     */
    public static CMTConfig scale(
            CMTConfig base, double depthFactor, double widthFactor, double resFactor, String name) {
        for (double f : new double[] {depthFactor, widthFactor, resFactor}) {
            if (!(f > 0) || !Double.isFinite(f))
                throw new IllegalArgumentException(
                        name + ": scaling multipliers must be positive and finite, got " + f);
        }
        // an axis left at 1 keeps the base's own values (the released tables are hand-rounded)
        int[] depths = base.depths(), dims = base.dims();
        int width0 = roundToMultiple(base.dim(0) * widthFactor, WIDTH_DIVISOR);
        for (int s = 0; s < 4; s++) {
            if (depthFactor != 1) depths[s] = Math.max(1, (int) Math.round(base.depth(s) * depthFactor));
            if (widthFactor != 1) dims[s] = width0 << s;
        }
        int stem = widthFactor == 1
                ? base.stemChannels()
                : roundToMultiple(base.stemChannels() * widthFactor, WIDTH_DIVISOR);
        int size = resFactor == 1
                ? base.imageSize()
                : roundToMultiple(base.imageSize() * resFactor, CMTConfig.SIZE_DIVISOR);
        return new CMTConfig(
                name,
                size,
                stem,
                dims,
                depths,
                base.heads(),
                base.mlpRatio(),
                base.srRatios(),
                base.fcDim(),
                base.headDropout(),
                base.pathDropout(),
                base.convStem(),
                base.lpu(),
                base.ffn());
    }

    /** The nearest multiple of {@code divisor} (halves up), at least {@code divisor}. */
    static int roundToMultiple(double value, int divisor) {
        return (int) Math.max(divisor, divisor * Math.round(value / divisor));
    }
}
