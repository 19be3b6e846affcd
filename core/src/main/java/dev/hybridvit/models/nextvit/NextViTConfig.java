package dev.hybridvit.models.nextvit;

import java.util.ArrayList;
import java.util.List;

/**
 * A Next-ViT variant as data (official {@code nextvit.py}, spec §1.1). Everything else — block
 * types, widths, strides, per-block drop-path — is derived here from the depths, following the
 * Next Hybrid Strategy: NCBs with one NTB at the end of stages 2 and 4, and (NCB×4 + NTB)
 * repeated in stage 3.
 */
public record NextViTConfig(String name, int[] depths, double pathDropout) {
    public static final int[] STEM_CHANNELS = {64, 32, 64};
    public static final int[] STAGE_STRIDES = {1, 2, 2, 2};
    public static final int[] SR_RATIOS = {8, 4, 2, 1};
    public static final int HEAD_DIM = 32;
    public static final double MIX_BLOCK_RATIO = 0.75;
    public static final int NCB_MLP_RATIO = 3;
    public static final int NTB_MLP_RATIO = 2;

    public static final NextViTConfig SMALL = new NextViTConfig("nextvit_small", new int[] {3, 4, 10, 3}, 0.1);
    public static final NextViTConfig BASE = new NextViTConfig("nextvit_base", new int[] {3, 4, 20, 3}, 0.2);
    public static final NextViTConfig LARGE = new NextViTConfig("nextvit_large", new int[] {3, 4, 30, 3}, 0.2);
    public static final List<NextViTConfig> RELEASED = List.of(SMALL, BASE, LARGE);

    public NextViTConfig {
        if (depths.length != 4 || depths[2] % 5 != 0 || depths[1] < 1 || depths[3] < 1) {
            throw new IllegalArgumentException("Next-ViT needs 4 stage depths with depths[2] a multiple of 5");
        }
    }

    /** One block of the stage layout. */
    public record BlockSpec(int stage, boolean transformer, int outChannels) {}

    /** The blocks in order (the official {@code stage_out_channels} / {@code stage_block_types}). */
    public List<BlockSpec> blocks() {
        List<BlockSpec> out = new ArrayList<>();
        for (int i = 0; i < depths[0]; i++) out.add(new BlockSpec(0, false, 96));
        for (int i = 0; i < depths[1] - 1; i++) out.add(new BlockSpec(1, false, 192));
        out.add(new BlockSpec(1, true, 256));
        for (int r = 0; r < depths[2] / 5; r++) {
            for (int i = 0; i < 4; i++) out.add(new BlockSpec(2, false, 384));
            out.add(new BlockSpec(2, true, 512));
        }
        for (int i = 0; i < depths[3] - 1; i++) out.add(new BlockSpec(3, false, 768));
        out.add(new BlockSpec(3, true, 1024));
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
