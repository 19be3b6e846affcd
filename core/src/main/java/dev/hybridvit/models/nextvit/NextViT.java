package dev.hybridvit.models.nextvit;

import ai.djl.ndarray.NDArray;
import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelSpec;
import dev.hybridvit.models.VisionModel;
import dev.hybridvit.models.trtvit.BottleNeck;
import dev.hybridvit.models.trtvit.TransformerBlock;
import dev.hybridvit.nn.AvgPool2d;
import dev.hybridvit.nn.BatchNorm;
import dev.hybridvit.nn.DropPath;
import dev.hybridvit.nn.Linear;
import dev.hybridvit.nn.Module;
import dev.hybridvit.nn.Sequential;
import java.util.ArrayList;
import java.util.List;

/**
 * Next-ViT (Li et al., arXiv 2207.05501): a 4-convolution stem, then NCB/NTB blocks laid out by
 * the Next Hybrid Strategy, then BN → global average pool → linear head. State-dict keys follow
 * the official code ({@code stem.i}, {@code features.k}, {@code norm}, {@code proj_head.0}).
 *
 * <p>Headless with extra norms it is the official dense backbone ({@code segmentation/nextvit.py},
 * {@code detection/nextvit.py}): BatchNorms {@code extra_norm_list.0..2} on the stage 1–3 outputs
 * and {@code norm} on stage 4's, each applied in the chain (the next stage sees the normalised
 * map). The official module also allocates an unused {@code extra_norm_list.3}; it is kept so its
 * checkpoints load strictly. {@code norm} is the BatchNorm(1024) the published dense code still
 * calls after a later commit removed it, so the classification checkpoint's {@code norm.*} loads.
 */
public final class NextViT extends VisionModel {
    private final NextViTConfig config;
    public final Sequential stem;
    /** The NCBs and NTBs of all stages, in order. */
    public final Sequential features;

    /** The head's BN; in the dense backbone, stage 4's output norm. Null in a headless backbone without extra norms. */
    public final BatchNorm norm;
    /** Null in a headless backbone. */
    public final Sequential projHead;
    /** The dense backbone's BNs on the stage 1–4 outputs (the fourth unused, as in the official code), or null. */
    public final Sequential extraNorms;
    /** Index into {@code features} of the first block of each stage, plus the end. */
    private final int[] stageStart = new int[5];

    public NextViT(ModelSpec spec, NextViTConfig config, ModelOptions options) {
        super(spec, options);
        this.config = config;
        int[] stemCh = config.stemChannels();
        NextViTConfig.ConvInit init = config.convInit();
        stem = register(
                "stem",
                new Sequential(
                        new ConvBNReLU(3, stemCh[0], 2, init),
                        new ConvBNReLU(stemCh[0], stemCh[1], 1, init),
                        new ConvBNReLU(stemCh[1], stemCh[2], 1, init),
                        new ConvBNReLU(stemCh[2], stemCh[2], 2, init)));
        features = register("features", new Sequential());
        List<NextViTConfig.BlockSpec> blocks = config.blocks();
        double[] dropPath = DropPath.linearSchedule(options.dropPath(config.pathDropout()), blocks.size());
        int in = stemCh[2];
        int previousStage = -1;
        for (int i = 0; i < blocks.size(); i++) {
            NextViTConfig.BlockSpec b = blocks.get(i);
            boolean first = b.stage() != previousStage;
            if (first) stageStart[b.stage()] = i;
            previousStage = b.stage();
            int stride = first ? NextViTConfig.STAGE_STRIDES[b.stage()] : 1;
            double dp = dropPath[i];
            features.add(
                    b.transformer()
                            ? new NextTransformerBlock(
                                    in, b.outChannels(), stride, config.srRatios()[b.stage()], dp, config)
                            : convBlock(in, b.outChannels(), stride, b.stage(), dp, config));
            in = b.outChannels();
        }
        stageStart[4] = blocks.size();
        int[] stageOut = stageChannels();
        extraNorms = options.extraNorms() ? register("extra_norm_list", new Sequential()) : null;
        if (extraNorms != null) for (int c : stageOut) extraNorms.add(new BatchNorm(c));
        norm = options.isHeadless() && !options.extraNorms() ? null : register("norm", new BatchNorm(in));
        projHead = options.isHeadless()
                ? null
                : register("proj_head", new Sequential(new Linear(in, options.numClasses(), true)));
    }

    /** The block at an NCB position: the NCB, or the Table 7 block the variant puts in its place. */
    private static Module convBlock(int in, int out, int stride, int stage, double dropPath, NextViTConfig c) {
        return switch (c.convBlock()) {
            case NCB -> new NextConvBlock(in, out, stride, dropPath, c);
            case BOTTLENECK -> new BottleNeck(in, out, stride, dropPath);
            case CONVNEXT -> new ConvNeXtBlock(in, out, stride, dropPath, c);
            case POOLFORMER -> new PoolFormerBlock(in, out, stride, dropPath, c);
            case TRANSFORMER -> new TransformerBlock(in, out, stride, c.srRatios()[stage], dropPath);
        };
    }

    public NextViTConfig config() {
        return config;
    }

    @Override
    protected NDArray stem(NDArray x) {
        return stem.forward(x);
    }

    @Override
    public int numStages() {
        return 4;
    }

    @Override
    protected NDArray stage(int i, NDArray x) {
        for (int k = stageStart[i]; k < stageStart[i + 1]; k++)
            x = features.get(k).forward(x);
        return x;
    }

    /** {@code features.k}: the NCBs and NTBs. */
    @Override
    public List<Block> blocks() {
        List<Block> out = new ArrayList<>();
        for (int s = 0; s < 4; s++) {
            for (int k = stageStart[s]; k < stageStart[s + 1]; k++)
                out.add(new Block("features." + k, s, features.get(k)));
        }
        return out;
    }

    @Override
    public NDArray forwardHead(NDArray features) {
        NDArray pooled = AvgPool2d.global(norm.forward(features));
        return projHead.forward(pooled);
    }

    @Override
    public Module stageOutputNorm(int i) {
        if (extraNorms == null) return null;
        return i < 3 ? extraNorms.get(i) : norm;
    }

    /** The head's BN folded into the classifier (exact: a per-channel affine commutes with the pool between them). */
    @Override
    protected void reparameterizeHead() {
        if (projHead != null) norm.foldIntoNext(projHead.get(0));
    }

    @Override
    public String partOf(String key) {
        if (key.startsWith("stem.")) return "stem";
        if (key.startsWith("extra_norm_list.")) return "stage" + (Integer.parseInt(key.split("\\.")[1]) + 1);
        if (key.startsWith("norm.") && extraNorms != null) return "stage4";
        if (!key.startsWith("features.")) return "head";
        int block = Integer.parseInt(key.split("\\.")[1]);
        int stage = 0;
        while (block >= stageStart[stage + 1]) stage++;
        return "stage" + (stage + 1);
    }

    @Override
    public int[] stageChannels() {
        int[] out = new int[4];
        for (NextViTConfig.BlockSpec b : config.blocks()) out[b.stage()] = b.outChannels();
        return out;
    }

    @Override
    public int[] stageStrides() {
        return new int[] {4, 8, 16, 32};
    }

    @Override
    public void checkInputSize(int height, int width) {
        // stem: two stride-2 3×3 convs with padding 1 → ceil(x/2) each; each later stage: ceil-mode 2×2 pool
        int h = ceilHalf(ceilHalf(height)), w = ceilHalf(ceilHalf(width));
        for (int s = 0; s < 4; s++) {
            if (s > 0) {
                h = ceilHalf(h);
                w = ceilHalf(w);
            }
            for (int k = stageStart[s]; k < stageStart[s + 1]; k++) {
                if (features.get(k) instanceof NextTransformerBlock ntb && (long) h * w < ntb.mhsa.minTokens()) {
                    throw new IllegalArgumentException(String.format(
                            "input %dx%d is too small for %s: stage %d has %dx%d tokens, fewer than one E-MHSA pooling window of %d",
                            height, width, spec().name(), s + 1, h, w, ntb.mhsa.minTokens()));
                }
            }
        }
    }

    private static int ceilHalf(int x) {
        return (x + 1) / 2;
    }

    /**
     * Registry entries: the released variants (native resolution 224, crop 0.875), each also at 384
     * px (the released fine-tuned weights; the official evaluation keeps crop 0.875), then the
     * project's own.
     */
    public static List<ModelSpec> specs() {
        List<ModelSpec> out = new ArrayList<>();
        for (NextViTConfig c : NextViTConfig.RELEASED) {
            ModelSpec spec = new ModelSpec(
                    c.name(),
                    "nextvit",
                    "Next-ViT depths " + java.util.Arrays.toString(c.depths()),
                    224,
                    224.0 / 256,
                    (s, opts) -> new NextViT(s, c, opts));
            out.add(spec);
            out.add(spec.alias(c.name() + "_384", spec.data().withImageSize(384)));
        }
        for (NextViTConfig c : NextViTConfig.PROJECT) {
            out.add(new ModelSpec(
                    c.name(),
                    "nextvit",
                    "project's own compact Next-ViT for CPU training (not official)",
                    32,
                    1.0,
                    (spec, opts) -> new NextViT(spec, c, opts)));
        }
        return out;
    }
}
