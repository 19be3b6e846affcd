package dev.hybridvit.models.trtvit;

import ai.djl.ndarray.NDArray;
import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelSpec;
import dev.hybridvit.models.VisionModel;
import dev.hybridvit.nn.Activation;
import dev.hybridvit.nn.AvgPool2d;
import dev.hybridvit.nn.BatchNorm;
import dev.hybridvit.nn.Conv2d;
import dev.hybridvit.nn.DropPath;
import dev.hybridvit.nn.Init;
import dev.hybridvit.nn.Linear;
import dev.hybridvit.nn.MaxPool2d;
import dev.hybridvit.nn.Module;
import dev.hybridvit.nn.Reparameterizable;
import dev.hybridvit.nn.Sequential;
import java.util.ArrayList;
import java.util.List;

/**
 * TRT-ViT (Xia et al., arXiv 2205.09579) and the paper's MixNet experiment models, built from a
 * {@link TRTViTConfig}: a ResNet stem, four stages laid out by a stage pattern such as
 * {@code C-C-C-M}, then the head. <b>A documented reconstruction</b>: no official code exists; see
 * {@link TRTViTConfig} for what is fact and what is chosen, and each block class for its own
 * reading.
 *
 * <p>Pipeline (224 input): stem 7×7 stride-2 conv (no bias) + BN + ReLU + 3×3 stride-2 max pool
 * (ResNet's, since the paper "follows ResNet's basic configuration"; a choice over a 3×3-conv
 * stem) → stages at strides 4/8/16/32 (the first block of stages 2–4 has stride 2) → head: global
 * average pool → Linear. When the last stage contains Transformers the head starts with a BN over
 * the final map ({@code head.norm}; a choice, as Next-ViT's final BN: the Transformer half of the
 * output is an un-normalised residual stream, and a BN folds away at deployment); a pure
 * BottleNeck last stage ends in BN + ReLU already and gets none. Stochastic depth grows linearly
 * from 0 to the variant's rate over all blocks.
 *
 * <p>Input sizes: any size from 32 up works (every downsampling halves with rounding up); with K/V
 * reduction the Transformer stages also need maps of at least sr×sr. A size divisible by 32
 * makes every reduction exact, since sr is limited to 8/4/2/1 for stages 1–4.
 *
 * <p>State-dict keys: {@code stem.conv}, {@code stem.bn}; {@code stages.<i>.blocks.<j>.*} with
 * block keys as {@link BottleNeck} (torchvision's names), {@link TransformerBlock},
 * {@link MixBlockA}, {@link MixBlockB}, {@link MixBlockC} document; {@code head.norm} (optional),
 * {@code head.fc}.
 */
public final class TRTViT extends VisionModel {
    private final TRTViTConfig config;
    public final Stem stem;
    private final Sequential stagesSeq;
    private final Stage[] stages = new Stage[4];
    /** Null in a headless backbone. */
    public final Head head;

    /** Global-pool head: optional BN, then the classifier. */
    /** BN (optional) → global average pool → linear. */
    public static final class Head extends Module implements Reparameterizable {
        /** Null where the configuration has no head norm. */
        public final BatchNorm norm;

        public final Linear fc;

        Head(int channels, int classes, boolean withNorm) {
            norm = withNorm ? register("norm", new BatchNorm(channels)) : null;
            fc = register("fc", new Linear(channels, classes, true));
        }

        @Override
        public NDArray forward(NDArray x) {
            if (norm != null) x = norm.forward(x);
            return fc.forward(AvgPool2d.global(x));
        }

        /** The BN folded into the classifier (exact: a per-channel affine commutes with the pool between them). */
        @Override
        public void reparameterize() {
            if (norm != null) norm.foldIntoNext(fc);
        }
    }

    public TRTViT(ModelSpec spec, TRTViTConfig config, ModelOptions options) {
        super(spec, options);
        this.config = config;
        stem = register("stem", new Stem(config.stemWidth()));
        stagesSeq = register("stages", new Sequential());
        TRTViTConfig.Kind[] kinds = config.kinds();
        double[] dpr = DropPath.linearSchedule(options.dropPath(config.dropPath()), config.totalDepth());
        int in = config.stemWidth(), k = 0;
        for (int s = 0; s < 4; s++) {
            Stage stage = new Stage(kinds[s]);
            int width = config.widths()[s];
            for (int j = 0; j < config.depths()[s]; j++) {
                int stride = s > 0 && j == 0 ? 2 : 1;
                stage.blocks.add(block(kinds[s], in, width, stride, config.r(), config.srRatios()[s], dpr[k++]));
                in = width;
            }
            stages[s] = stage;
            stagesSeq.add(stage);
        }
        head = options.isHeadless()
                ? null
                : register("head", new Head(in, options.numClasses(), kinds[3].hasTransformer()));
    }

    /** ResNet stem: 7×7 stride-2 conv → BN → ReLU → 3×3 stride-2 max pool; keys {@code conv}, {@code bn}. */
    /** The ResNet stem: 7×7 stride-2 conv → BN → ReLU → 3×3 stride-2 max pool. */
    public static final class Stem extends Module implements Reparameterizable {
        public final Conv2d conv;
        public final BatchNorm bn;
        public final Activation act;
        public final MaxPool2d pool;

        Stem(int width) {
            conv = register("conv", new Conv2d(3, width, 7, 2, 3, 1, false, Init.kaimingNormalFanOut(1)));
            bn = register("bn", new BatchNorm(width));
            act = register("relu", Activation.relu());
            pool = register("pool", new MaxPool2d(3, 2, 1));
        }

        @Override
        public NDArray forward(NDArray x) {
            return pool.forward(act.forward(bn.forward(conv.forward(x))));
        }

        @Override
        public void reparameterize() {
            bn.foldInto(conv);
        }
    }

    /** A block of the given kind (as the stages build them; also used standalone by the density study). */
    public static Module block(
            TRTViTConfig.Kind kind, int in, int width, int stride, double r, int sr, double dropPath) {
        return switch (kind) {
            case BOTTLENECK -> new BottleNeck(in, width, stride, dropPath);
            case TRANSFORMER -> new TransformerBlock(in, width, stride, sr, dropPath);
            case MIX_A -> new MixBlockA(in, width, stride, r, sr, dropPath);
            case MIX_B -> new MixBlockB(in, width, stride, r, sr, dropPath);
            case MIX_C -> new MixBlockC(in, width, stride, r, sr, dropPath);
        };
    }

    public TRTViTConfig config() {
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
        return stages[i].forward(x);
    }

    /** {@code stages.i.blocks.j}: BottleNecks, Transformers, MixBlocks. */
    @Override
    public List<Block> blocks() {
        List<Block> out = new ArrayList<>();
        for (int s = 0; s < 4; s++) {
            for (int j = 0; j < stages[s].blocks.size(); j++)
                out.add(new Block("stages." + s + ".blocks." + j, s, stages[s].blocks.get(j)));
        }
        return out;
    }

    @Override
    public NDArray forwardHead(NDArray features) {
        return head.forward(features);
    }

    @Override
    public int[] stageChannels() {
        return config.widths().clone();
    }

    @Override
    public int[] stageStrides() {
        return TRTViTConfig.STAGE_STRIDES.clone();
    }

    @Override
    public String partOf(String key) {
        if (key.startsWith("stem.")) return "stem";
        if (key.startsWith("stages.")) return "stage" + (Integer.parseInt(key.split("\\.")[1]) + 1);
        return "head";
    }

    @Override
    public void checkInputSize(int height, int width) {
        if (height < 32 || width < 32) {
            throw new IllegalArgumentException(String.format(
                    "input %dx%d is too small for %s: it needs at least 32x32 (output stride 32)",
                    height, width, spec().name()));
        }
        int h = ceilHalf(ceilHalf(height)), w = ceilHalf(ceilHalf(width));
        for (int s = 0; s < 4; s++) {
            if (s > 0) {
                h = ceilHalf(h);
                w = ceilHalf(w);
            }
            int sr = stages[s].kind.hasTransformer() ? config.srRatios()[s] : 1;
            if (h < sr || w < sr) {
                throw new IllegalArgumentException(String.format(
                        "input %dx%d is too small for %s: stage %d has a %dx%d map, smaller than its K/V reduction window %dx%d",
                        height, width, spec().name(), s + 1, h, w, sr, sr));
            }
        }
    }

    private static int ceilHalf(int x) {
        return (x + 1) / 2;
    }

    /** Registry entries (native resolution 224, crop 0.875 as ResNet). */
    public static List<ModelSpec> specs() {
        List<ModelSpec> out = new ArrayList<>();
        for (TRTViTConfig c : TRTViTConfig.REGISTERED) {
            out.add(new ModelSpec(
                    c.name(), "trtvit", c.summary(), 224, 0.875, (spec, opts) -> new TRTViT(spec, c, opts)));
        }
        for (TRTViTConfig c : TRTViTConfig.PROJECT) {
            out.add(new ModelSpec(
                    c.name(),
                    "trtvit",
                    c.title() + ": " + c.pattern() + ", depths " + java.util.Arrays.toString(c.depths()) + ", widths "
                            + java.util.Arrays.toString(c.widths()),
                    32,
                    1.0,
                    (spec, opts) -> new TRTViT(spec, c, opts)));
        }
        return out;
    }
}
