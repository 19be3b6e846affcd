package dev.hybridvit.models.nextvit;

import dev.hybridvit.nn.Activation;
import dev.hybridvit.nn.BatchNorm;
import dev.hybridvit.nn.Init;
import dev.hybridvit.nn.LayerNorm;
import dev.hybridvit.nn.Module;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A Next-ViT variant as data (official {@code classification/nextvit.py}): depths, the stem widths,
 * the NCB width of each stage and the NTB width of stages 2–4. Block types, strides and per-block
 * drop-path are derived here following the Next Hybrid Strategy: NCBs with one NTB at the end of
 * stages 2 and 4, and (NCB×4 + NTB) repeated in stage 3. Widths must be multiples of the 32-wide
 * heads.
 *
 * <p>The knobs the paper ablates are fields too: {@code stagePatterns} replaces the Next Hybrid
 * Strategy by a per-stage block pattern (Table 1's C-C-C-T … and Table 2's (NCB×N + NTB×1)×L),
 * {@code mixRatio} is the NTB's shrink ratio r (Table 8; r = 1 drops the MHCA branch), and
 * {@code norm} / {@code activation} are the blocks' normalisation and activation (Table 9; the
 * stem and E-MHSA's token-pool BatchNorm keep BN and ReLU, as the paper changes only the blocks),
 * and {@code convBlock} is the block built where the layout puts an NCB (Table 7).
 */
public record NextViTConfig(
        String name,
        int[] depths,
        double pathDropout,
        int[] stemChannels,
        int[] convWidths,
        int[] transformerWidths,
        int[] srRatios,
        ConvInit convInit,
        String[] stagePatterns,
        double mixRatio,
        Norm norm,
        Activation.Kind activation,
        ConvBlock convBlock) {
    /** The normalisation inside NCBs and NTBs: BatchNorm (official, foldable) or channels-first LayerNorm. */
    public enum Norm {
        BN,
        LN;

        /** A norm over the channels of a B×C×H×W map. */
        public Module of(int channels) {
            return this == BN ? new BatchNorm(channels) : LayerNorm.channelsFirst(channels, 1e-5);
        }
    }

    /**
     * The block built at every NCB position of the layout (Next-ViT Table 7). Each keeps the NCB's
     * patch embedding for width and resolution changes, so only the block body differs; the
     * replacements keep their own papers' norms and activations.
     */
    public enum ConvBlock {
        /** Next Convolution Block (official). */
        NCB,
        /** ResNet's BottleNeck (1×1 → 3×3 → 1×1, BN, ReLU, expansion 4), as in TRT-ViT. */
        BOTTLENECK,
        /** ConvNeXt's block (7×7 depthwise conv, LN, MLP ×4 with GELU, layer scale). */
        CONVNEXT,
        /** PoolFormer's block (3×3 average pool as token mixer, GroupNorm, MLP ×4 with GELU, layer scale). */
        POOLFORMER,
        /** A Transformer block (MHSA with the stage's K/V reduction + MLP ×3, LN, GELU), as in TRT-ViT. */
        TRANSFORMER
    }

    /** The letters of a stage pattern: C for an NCB, T for an NTB. */
    public static final String PATTERN_LETTERS = "CT";

    /** How the convolution weights start (Linear layers always take trunc-normal .02, as the official code). */
    public enum ConvInit {
        /** The official code's {@code trunc_normal_(std=.02)} for every convolution. */
        TRUNC_NORMAL_02,
        /** He normal, N(0, 2 / (k·k·out / groups)): the project's compact model (see {@link #PICO}). */
        KAIMING_FAN_OUT;

        /** The init of a convolution with {@code groups} groups. */
        public Init of(int groups) {
            return this == TRUNC_NORMAL_02 ? Init.TRUNC_NORMAL_02 : Init.kaimingNormalFanOut(groups);
        }
    }

    /** The official widths, shared by S, B and L. */
    public static final int[] STEM_CHANNELS = {64, 32, 64};

    public static final int[] CONV_WIDTHS = {96, 192, 384, 768};
    public static final int[] TRANSFORMER_WIDTHS = {256, 512, 1024};
    public static final int[] STAGE_STRIDES = {1, 2, 2, 2};
    public static final int[] SR_RATIOS = {8, 4, 2, 1};
    public static final int HEAD_DIM = 32;
    public static final double MIX_BLOCK_RATIO = 0.75;
    public static final int NCB_MLP_RATIO = 3;
    public static final int NTB_MLP_RATIO = 2;

    public static final NextViTConfig SMALL = official("nextvit_small", new int[] {3, 4, 10, 3}, 0.1);
    public static final NextViTConfig BASE = official("nextvit_base", new int[] {3, 4, 20, 3}, 0.2);
    public static final NextViTConfig LARGE = official("nextvit_large", new int[] {3, 4, 30, 3}, 0.2);
    public static final List<NextViTConfig> RELEASED = List.of(SMALL, BASE, LARGE);

    /**
     * The project's own compact Next-ViT for CPU training on small images (not an official model):
     * the same hybrid layout at a third of the width and depth, about 3.7 M parameters, and full
     * (unreduced) E-MHSA, since at 32 px the stages hold only 4×4, 2×2 and 1×1 tokens. Its
     * convolutions start from He init: every one is followed by a BN, and AdamW's steps are about
     * lr per weight whatever the weight's size, so from the official std .02 each step moves a
     * conv weight by ~15% at lr 3e-3, which learned markedly slower on Fashion-MNIST (docs/training.md).
     */
    public static final NextViTConfig PICO = new NextViTConfig(
            "nextvit_pico_hv",
            new int[] {1, 2, 5, 2},
            0.05,
            new int[] {32, 16, 32},
            new int[] {32, 64, 128, 256},
            new int[] {128, 256, 512},
            new int[] {1, 1, 1, 1},
            ConvInit.KAIMING_FAN_OUT);

    public static final List<NextViTConfig> PROJECT = List.of(PICO);

    private static NextViTConfig official(String name, int[] depths, double pathDropout) {
        return new NextViTConfig(
                name,
                depths,
                pathDropout,
                STEM_CHANNELS,
                CONV_WIDTHS,
                TRANSFORMER_WIDTHS,
                SR_RATIOS,
                ConvInit.TRUNC_NORMAL_02);
    }

    /** A variant laid out by the Next Hybrid Strategy with the official r, BN and ReLU. */
    public NextViTConfig(
            String name,
            int[] depths,
            double pathDropout,
            int[] stemChannels,
            int[] convWidths,
            int[] transformerWidths,
            int[] srRatios,
            ConvInit convInit) {
        this(
                name,
                depths,
                pathDropout,
                stemChannels,
                convWidths,
                transformerWidths,
                srRatios,
                convInit,
                null,
                MIX_BLOCK_RATIO,
                Norm.BN,
                Activation.Kind.RELU,
                ConvBlock.NCB);
    }

    public NextViTConfig {
        if (norm == null || activation == null || convBlock == null)
            throw new IllegalArgumentException(name + ": norm, activation and convBlock are required");
        if (!(mixRatio > 0 && mixRatio <= 1))
            throw new IllegalArgumentException(name + ": mixRatio must be in (0, 1], got " + mixRatio);
        if (stagePatterns != null) {
            checkPatterns(name, depths, stagePatterns);
        } else if (depths.length != 4 || depths[2] % 5 != 0 || depths[1] < 1 || depths[3] < 1) {
            throw new IllegalArgumentException(
                    name + ": Next-ViT needs 4 stage depths with depths[2] a multiple of 5, got "
                            + java.util.Arrays.toString(depths));
        }
        if (srRatios.length != 4 || java.util.Arrays.stream(srRatios).anyMatch(r -> r < 1)) {
            throw new IllegalArgumentException(
                    name + ": need 4 positive E-MHSA reduction ratios, got " + java.util.Arrays.toString(srRatios));
        }
        if (stemChannels.length != 3 || convWidths.length != 4 || transformerWidths.length != 3) {
            throw new IllegalArgumentException(name + ": need 3 stem widths, 4 NCB widths and 3 NTB widths");
        }
        for (int w : convWidths) {
            if (w % HEAD_DIM != 0)
                throw new IllegalArgumentException(name + ": NCB width " + w + " is not a multiple of " + HEAD_DIM);
        }
        for (int w : transformerWidths) {
            int attention = mhsaChannels(w, mixRatio);
            if (w - attention < 0 || (w - attention) % HEAD_DIM != 0) {
                throw new IllegalArgumentException(name + ": NTB width " + w + " splits into " + attention + " + "
                        + (w - attention) + " at mixRatio " + mixRatio + "; the MHCA part must be a multiple of "
                        + HEAD_DIM);
            }
        }
        depths = depths.clone();
        stemChannels = stemChannels.clone();
        convWidths = convWidths.clone();
        transformerWidths = transformerWidths.clone();
        srRatios = srRatios.clone();
        stagePatterns = stagePatterns == null ? null : stagePatterns.clone();
    }

    private static void checkPatterns(String name, int[] depths, String[] patterns) {
        if (depths.length != 4 || patterns.length != 4) {
            throw new IllegalArgumentException(name + ": stagePatterns needs one pattern per stage (4), got "
                    + patterns.length + " for depths " + Arrays.toString(depths));
        }
        for (int s = 0; s < 4; s++) {
            String p = patterns[s];
            if (p == null || p.isEmpty() || !p.chars().allMatch(ch -> PATTERN_LETTERS.indexOf(ch) >= 0)) {
                throw new IllegalArgumentException(name + ": stagePatterns[" + s + "] '" + p
                        + "' must be a non-empty string of C (NCB) and T (NTB)");
            }
            if (s == 0 && p.indexOf('T') >= 0) {
                throw new IllegalArgumentException(
                        name + ": stagePatterns[0] '" + p + "': stage 1 has no NTB width; allowed letters: C");
            }
            if (depths[s] < 1 || depths[s] % p.length() != 0) {
                throw new IllegalArgumentException(name + ": depths[" + s + "] = " + depths[s]
                        + " is not a positive multiple of the length of stagePatterns[" + s + "] '" + p + "'");
            }
        }
    }

    /** Channels of an NTB's E-MHSA branch: r·C rounded to whole heads (the official {@code _make_divisible}). */
    public static int mhsaChannels(int width, double mixRatio) {
        return Math.min(width, makeDivisible((int) (width * mixRatio), HEAD_DIM));
    }

    /** The per-stage patterns, null for the Next Hybrid Strategy derived from the depths. */
    @Override
    public String[] stagePatterns() {
        return stagePatterns == null ? null : stagePatterns.clone();
    }

    // Arrays are copied in and out, as in every variant record: a variant never changes once built.
    @Override
    public int[] depths() {
        return depths.clone();
    }

    @Override
    public int[] stemChannels() {
        return stemChannels.clone();
    }

    @Override
    public int[] convWidths() {
        return convWidths.clone();
    }

    @Override
    public int[] transformerWidths() {
        return transformerWidths.clone();
    }

    @Override
    public int[] srRatios() {
        return srRatios.clone();
    }

    /** One block of the stage layout. */
    public record BlockSpec(int stage, boolean transformer, int outChannels) {}

    /** The blocks in order (the official {@code stage_out_channels} / {@code stage_block_types}). */
    public List<BlockSpec> blocks() {
        List<BlockSpec> out = new ArrayList<>();
        if (stagePatterns != null) {
            for (int s = 0; s < 4; s++) {
                String p = stagePatterns[s];
                for (int i = 0; i < depths[s]; i++) {
                    boolean t = p.charAt(i % p.length()) == 'T';
                    out.add(new BlockSpec(s, t, t ? transformerWidths[s - 1] : convWidths[s]));
                }
            }
            return out;
        }
        for (int i = 0; i < depths[0]; i++) out.add(new BlockSpec(0, false, convWidths[0]));
        for (int i = 0; i < depths[1] - 1; i++) out.add(new BlockSpec(1, false, convWidths[1]));
        out.add(new BlockSpec(1, true, transformerWidths[0]));
        for (int r = 0; r < depths[2] / 5; r++) {
            for (int i = 0; i < 4; i++) out.add(new BlockSpec(2, false, convWidths[2]));
            out.add(new BlockSpec(2, true, transformerWidths[1]));
        }
        for (int i = 0; i < depths[3] - 1; i++) out.add(new BlockSpec(3, false, convWidths[3]));
        out.add(new BlockSpec(3, true, transformerWidths[2]));
        return out;
    }

    public int totalDepth() {
        return depths[0] + depths[1] + depths[2] + depths[3];
    }

    /** {@code _make_divisible(v, d)}: round to a multiple of d, never below 90% of v. */
    static int makeDivisible(double v, int divisor) {
        int n = Math.max(divisor, (int) (v + divisor / 2.0) / divisor * divisor);
        return n < 0.9 * v ? n + divisor : n;
    }
}
