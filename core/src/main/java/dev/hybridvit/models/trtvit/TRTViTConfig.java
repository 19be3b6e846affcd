package dev.hybridvit.models.trtvit;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A TRT-ViT-style backbone as data: a stage pattern such as {@code C-C-C-M}, the ResNet stem
 * width, per-stage output widths and depths, the MixBlock channel-shrink ratio R, the K/V
 * spatial-reduction ratio of each stage's Transformers, and the default stochastic-depth rate.
 *
 * <p>Pattern letters, one per stage, joined by {@code -}: {@code C} BottleNeck, {@code T}
 * Transformer, {@code A} MixBlock-A, {@code B} MixBlock-B, {@code M} MixBlock-C (the paper's
 * notation for its final models is {@code C-C-C-M}). There are always four stages, with output
 * strides 4/8/16/32.
 *
 * <p><b>Every variant below is this project's reconstruction.</b> No official code exists and
 * the paper's variant table could not be obtained. What is fact (the paper): the
 * {@code C-C-C-M} pattern and R = 0.5 of the final models, MixBlock-C only in the last stage,
 * shallow-early/deep-late depths, a ResNet-50-like pyramid, MixNetV = ResNet-50 with Transformers
 * in place of late BottleNecks, Refined-MixNetV = fewer early and more deepest-stage blocks,
 * MixNet-A/B/C = MixNetV with MixBlocks in place of its Transformers, and TRT-ViT-C ≈ 65 M
 * parameters (implied by its Semantic-FPN/Mask R-CNN totals). What is chosen here: every width
 * and depth (ResNet-50 widths 256/512/1024/2048, depths tuned so TRT-ViT-C lands at 64.1 M),
 * Transformers of the MixNets in the last stage only, and the drop-path rates.
 */
public record TRTViTConfig(
        String name,
        String title,
        String pattern,
        int stemWidth,
        int[] widths,
        int[] depths,
        double r,
        int[] srRatios,
        double dropPath) {
    /** Head dimension of every attention (the paper: head dimension 32). */
    public static final int HEAD_DIM = 32;
    /** MLP hidden width = 3·C in every Transformer (the paper: MLP expansion ratio 3). */
    public static final int MLP_RATIO = 3;
    /** LayerNorm epsilon of the Transformer parts (PVT's / timm's hybrid-ViT value; a choice). */
    public static final double LN_EPS = 1e-6;
    /** BottleNeck expansion: inner width = output width / 4, as ResNet-50. */
    public static final int EXPANSION = 4;
    /** Output stride of each stage. */
    public static final int[] STAGE_STRIDES = {4, 8, 16, 32};
    /** PVT's K/V reduction ratios per stage; with an input divisible by 32 they divide every map exactly. */
    public static final int[] PVT_SR_RATIOS = {8, 4, 2, 1};

    /** What a stage is built from. */
    public enum Kind {
        BOTTLENECK('C', "BottleNeck"),
        TRANSFORMER('T', "Transformer"),
        MIX_A('A', "MixBlock-A"),
        MIX_B('B', "MixBlock-B"),
        MIX_C('M', "MixBlock-C");

        public final char letter;
        public final String label;

        Kind(char letter, String label) {
            this.letter = letter;
            this.label = label;
        }

        /** True when the block contains a Transformer (needs head-dim and K/V-reduction checks). */
        public boolean hasTransformer() {
            return this != BOTTLENECK;
        }

        static Kind of(char c) {
            for (Kind k : values()) if (k.letter == c) return k;
            return null;
        }
    }

    public TRTViTConfig {
        Kind[] kinds = parsePattern(pattern);
        if (widths.length != 4 || depths.length != 4 || srRatios.length != 4) {
            throw new IllegalArgumentException(
                    name + ": widths, depths and sr ratios need one entry per stage (4), got " + widths.length + ", "
                            + depths.length + ", " + srRatios.length);
        }
        if (stemWidth < 1) throw new IllegalArgumentException(name + ": stem width must be positive, got " + stemWidth);
        if (!(r > 0 && r < 1)) throw new IllegalArgumentException(name + ": R must be in (0, 1), got " + r);
        if (!(dropPath >= 0 && dropPath < 1))
            throw new IllegalArgumentException(name + ": drop-path must be in [0, 1), got " + dropPath);
        for (int s = 0; s < 4; s++) {
            String where = name + " stage " + (s + 1) + " (" + kinds[s].label + ", width " + widths[s] + ")";
            if (depths[s] < 1)
                throw new IllegalArgumentException(where + ": depth must be at least 1, got " + depths[s]);
            checkWidths(where, kinds[s], widths[s], r);
            if (kinds[s].hasTransformer()) {
                int sr = srRatios[s], maxSr = 8 >> s;
                if (sr < 1 || Integer.bitCount(sr) != 1 || sr > maxSr) {
                    throw new IllegalArgumentException(where + ": K/V reduction ratio must be a power of two at most "
                            + maxSr + " (so it divides the stage's map for every input divisible by 32), got " + sr);
                }
            }
        }
        widths = widths.clone();
        depths = depths.clone();
        srRatios = srRatios.clone();
    }

    // Arrays are copied in and out, as in every variant record: a variant never changes once built.
    @Override
    public int[] widths() {
        return widths.clone();
    }

    @Override
    public int[] depths() {
        return depths.clone();
    }

    @Override
    public int[] srRatios() {
        return srRatios.clone();
    }

    private static void checkWidths(String where, Kind kind, int width, double r) {
        switch (kind) {
            case BOTTLENECK -> {
                if (width % EXPANSION != 0)
                    throw new IllegalArgumentException(where + ": must be a multiple of " + EXPANSION);
            }
            case TRANSFORMER -> {
                if (width % HEAD_DIM != 0)
                    throw new IllegalArgumentException(where + ": must be a multiple of the head dim " + HEAD_DIM);
            }
            default -> {
                double exact = width * r;
                int ct = (int) Math.round(exact);
                if (Math.abs(exact - ct) > 1e-6
                        || ct % HEAD_DIM != 0
                        || width - ct < EXPANSION
                        || (width - ct) % EXPANSION != 0) {
                    throw new IllegalArgumentException(String.format(
                            Locale.ROOT,
                            "%s: R·C = %.2f must be a whole multiple of the head dim %d and C − R·C a positive multiple of %d",
                            where,
                            exact,
                            HEAD_DIM,
                            EXPANSION));
                }
            }
        }
    }

    /**
     * Parses a stage pattern: four letters from {@code C T A B M} joined by {@code -}, e.g.
     * {@code C-C-C-M}. Anything else is rejected with a message saying what is wrong.
     */
    public static Kind[] parsePattern(String pattern) {
        if (pattern == null || pattern.isBlank()) {
            throw new IllegalArgumentException("empty stage pattern; expected four letters like C-C-C-M");
        }
        String[] tokens = pattern.split("-", -1);
        if (tokens.length != 4) {
            throw new IllegalArgumentException("stage pattern '" + pattern + "' has " + tokens.length
                    + " stages; TRT-ViT has 4 (strides 4/8/16/32), e.g. C-C-C-M");
        }
        Kind[] kinds = new Kind[4];
        for (int i = 0; i < 4; i++) {
            String t = tokens[i].trim();
            Kind k = t.length() == 1 ? Kind.of(t.charAt(0)) : null;
            if (k == null) {
                throw new IllegalArgumentException(
                        "stage pattern '" + pattern + "': stage " + (i + 1) + " is '" + tokens[i]
                                + "'; use one letter of C (BottleNeck), T (Transformer), A (MixBlock-A), B (MixBlock-B), M (MixBlock-C)");
            }
            kinds[i] = k;
        }
        return kinds;
    }

    public Kind[] kinds() {
        return parsePattern(pattern);
    }

    /** Transformer width of a MixBlock of output width {@code width}: R·C. */
    public int transformerWidth(int width) {
        return (int) Math.round(width * r);
    }

    public int totalDepth() {
        return Arrays.stream(depths).sum();
    }

    /** One-line summary used in the registry description. */
    public String summary() {
        boolean mixed = Arrays.stream(kinds()).anyMatch(k -> k == Kind.MIX_A || k == Kind.MIX_B || k == Kind.MIX_C);
        return String.format(
                Locale.ROOT,
                "%s (reconstruction): %s, depths %s, widths %s%s",
                title,
                pattern,
                Arrays.toString(depths),
                Arrays.toString(widths),
                mixed ? ", R=" + r : "");
    }

    private static TRTViTConfig of(
            String name, String title, String pattern, int[] widths, int[] depths, double dropPath) {
        return new TRTViTConfig(name, title, pattern, 64, widths, depths, 0.5, PVT_SR_RATIOS, dropPath);
    }

    private static final int[] RESNET50_WIDTHS = {256, 512, 1024, 2048};
    private static final int[] RESNET50_DEPTHS = {3, 4, 6, 3};
    /** Refined depths: one block fewer in stages 1 and 2, one more in stage 4 (guideline 2). */
    private static final int[] REFINED_DEPTHS = {2, 3, 6, 4};

    public static final TRTViTConfig TRTVIT_A =
            of("trtvit_a", "TRT-ViT-A", "C-C-C-M", RESNET50_WIDTHS, new int[] {2, 3, 4, 2}, 0.1);
    public static final TRTViTConfig TRTVIT_B =
            of("trtvit_b", "TRT-ViT-B", "C-C-C-M", RESNET50_WIDTHS, new int[] {2, 3, 5, 3}, 0.1);
    /** Refined-MixNetV's depths with MixBlock-C: 64.1 M parameters (target ≈ 65 M). */
    public static final TRTViTConfig TRTVIT_C =
            of("trtvit_c", "TRT-ViT-C", "C-C-C-M", RESNET50_WIDTHS, REFINED_DEPTHS, 0.2);

    public static final TRTViTConfig TRTVIT_D =
            of("trtvit_d", "TRT-ViT-D", "C-C-C-M", RESNET50_WIDTHS, new int[] {2, 3, 10, 6}, 0.3);
    public static final TRTViTConfig MIXNETV =
            of("mixnetv", "MixNetV", "C-C-C-T", RESNET50_WIDTHS, RESNET50_DEPTHS, 0.1);
    public static final TRTViTConfig MIXNETV_REFINED =
            of("mixnetv_refined", "Refined-MixNetV", "C-C-C-T", RESNET50_WIDTHS, REFINED_DEPTHS, 0.1);
    public static final TRTViTConfig MIXNET_A =
            of("mixnet_a", "MixNet-A", "C-C-C-A", RESNET50_WIDTHS, RESNET50_DEPTHS, 0.1);
    public static final TRTViTConfig MIXNET_B =
            of("mixnet_b", "MixNet-B", "C-C-C-B", RESNET50_WIDTHS, RESNET50_DEPTHS, 0.1);
    public static final TRTViTConfig MIXNET_C =
            of("mixnet_c", "MixNet-C", "C-C-C-M", RESNET50_WIDTHS, RESNET50_DEPTHS, 0.1);

    public static final List<TRTViTConfig> REGISTERED =
            List.of(TRTVIT_A, TRTVIT_B, TRTVIT_C, TRTVIT_D, MIXNETV, MIXNETV_REFINED, MIXNET_A, MIXNET_B, MIXNET_C);

    /**
     * The project's own compact TRT-ViT for CPU training on small images (not a paper variant), the
     * Fashion-MNIST demo's model: a quarter of the final models' widths, one or two blocks per
     * stage, a 32-wide stem; 1.8 M parameters and 5.0 M MACs at 32 px with 1,000 classes (1.25 M and
     * 4.5 M with 10); wider variants did no better on Fashion-MNIST (docs/demo-experiments).
     * MixBlock-C in stages 3 and 4 ({@code C-C-M-M}, unlike the paper's {@code C-C-C-M}): at 32 px
     * the last stage is a single token, where attention is trivial, so stage 3's 2×2 map gives the
     * Transformer real tokens to mix; unreduced attention.
     */
    public static final TRTViTConfig PICO = new TRTViTConfig(
            "trtvit_pico_hv",
            "TRT-ViT pico (project's own, not a paper variant)",
            "C-C-M-M",
            32,
            new int[] {64, 128, 256, 512},
            new int[] {1, 1, 2, 1},
            0.5,
            new int[] {1, 1, 1, 1},
            0.05);

    public static final List<TRTViTConfig> PROJECT = List.of(PICO);

    /** A copy with another name and pattern (for experiments: same widths, depths, R). */
    public TRTViTConfig withPattern(String newName, String newPattern) {
        return new TRTViTConfig(newName, newName, newPattern, stemWidth, widths, depths, r, srRatios, dropPath);
    }

    /** A copy with another R. */
    public TRTViTConfig withR(double newR) {
        return new TRTViTConfig(name, title, pattern, stemWidth, widths, depths, newR, srRatios, dropPath);
    }
}
