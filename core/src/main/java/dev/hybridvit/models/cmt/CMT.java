package dev.hybridvit.models.cmt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelSpec;
import dev.hybridvit.models.VisionModel;
import dev.hybridvit.nn.Activation;
import dev.hybridvit.nn.AvgPool2d;
import dev.hybridvit.nn.BatchNorm;
import dev.hybridvit.nn.Conv2d;
import dev.hybridvit.nn.DropPath;
import dev.hybridvit.nn.Dropout;
import dev.hybridvit.nn.Identity;
import dev.hybridvit.nn.Init;
import dev.hybridvit.nn.Linear;
import dev.hybridvit.nn.Module;
import dev.hybridvit.nn.Parameter;
import dev.hybridvit.nn.Sequential;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * CMT, Convolutional neural networks Meet vision Transformers (Guo et al., CVPR 2022, arXiv
 * 2107.06263): a conv stem (three 3×3 convs, each conv → GELU → BN), four stages of a 2×2 patch
 * embedding followed by CMT blocks (LPU → LMHSA → IRFFN), and a head of 1×1 conv to 1280 → BN →
 * Swish → global average pool → dropout → linear. State-dict keys, their order and the init
 * follow the official {@code cmt_pytorch/cmt.py}; the per-stage relative position biases
 * {@code relative_pos_a..d} are root parameters and come first.
 *
 * <p>The official model is locked to the resolution it is built for, because each bias has one
 * entry per (query, key) position pair. This one is built at {@link ModelOptions#imageSize} (any
 * multiple of 32) and can be moved to another size with {@link #setInputSize}, which resizes the
 * biases bicubically ({@link RelativePositionBias}); {@link #adaptStateDict} does the same for a
 * checkpoint saved at another size.
 */
public final class CMT extends VisionModel {
    private static final String[] STAGE_LETTERS = {"a", "b", "c", "d"};
    private final CMTConfig config;
    private final Parameter[] relativePos = new Parameter[4];
    private final CMTPatchEmbed[] patchEmbeds = new CMTPatchEmbed[4];
    private final Sequential[] blocks = new Sequential[4];
    /** Three conv → GELU → BN units (flat root keys {@code stem_conv1}, {@code stem_relu1}, {@code stem_norm1}, …). */
    public final Sequential stem;
    /** The head: 1×1 conv ({@code _fc}) → BN ({@code _bn}) → Swish → pool → dropout → linear (all null when headless). */
    public final Conv2d fc;

    public final BatchNorm fcNorm;
    public final Activation swish;
    public final Dropout drop;
    public final Linear head;
    private int inputSize;

    public CMT(ModelSpec spec, CMTConfig config, ModelOptions options) {
        super(spec, options);
        this.config = config;
        this.inputSize = options.imageSize(spec);
        CMTConfig.checkImageSize(spec.name(), inputSize);
        int c = config.stemChannels();
        // flat root keys stem_conv1, stem_norm1, …; the Sequential only orders the forward pass
        stem = new Sequential();
        for (int i = 1; i <= (config.convStem() ? 3 : 0); i++) {
            Conv2d conv = register(
                    "stem_conv" + i,
                    new Conv2d(i == 1 ? 3 : c, c, 3, i == 1 ? 2 : 1, 1, 1, true, Init.kaimingNormalFanOut()));
            Activation act = register("stem_relu" + i, Activation.gelu());
            BatchNorm norm = register("stem_norm" + i, new BatchNorm(c));
            stem.add(conv).add(act).add(norm);
        }
        int in = config.convStem() ? c : 3;
        for (int s = 0; s < 4; s++) {
            int patch = s == 0 && !config.convStem() ? 4 : 2;
            patchEmbeds[s] = register("patch_embed_" + STAGE_LETTERS[s], new CMTPatchEmbed(in, config.dim(s), patch));
            in = config.dim(s);
        }
        for (int s = 0; s < 4; s++) {
            relativePos[s] = parameter(biasName(s), biasShape(inputSize, s), Init.normal(1.0));
        }
        double rate = options.dropPath(config.pathDropout());
        double[] dropPath = DropPath.linearSchedule(rate, config.totalDepth());
        int index = 0;
        for (int s = 0; s < 4; s++) {
            final int stage = s;
            blocks[s] = register("blocks_" + STAGE_LETTERS[s], new Sequential());
            for (int i = 0; i < config.depth(s); i++, index++) {
                blocks[s].add(new CMTBlock(config, s, dropPath[index], () -> relativePos[stage].value()));
            }
        }
        register("pre_logits", new Identity());
        boolean classifier = !options.isHeadless();
        fc = classifier
                ? register(
                        "_fc", new Conv2d(config.dim(3), config.fcDim(), 1, 1, 0, 1, true, Init.kaimingNormalFanOut()))
                : null;
        fcNorm = classifier ? register("_bn", new BatchNorm(config.fcDim())) : null;
        swish = classifier ? register("_swish", Activation.swish()) : null;
        drop = classifier ? register("_drop", new Dropout(config.headDropout())) : null;
        head = classifier ? register("head", new Linear(config.fcDim(), options.numClasses(), true)) : null;
    }

    public CMTConfig config() {
        return config;
    }

    private static String biasName(int stage) {
        return "relative_pos_" + STAGE_LETTERS[stage];
    }

    /** heads × N × N/k² of stage {@code s} at input size {@code n}. */
    private Shape biasShape(int n, int s) {
        return RelativePositionBias.shape(config.heads(s), CMTConfig.grid(n, s), config.keyGrid(n, s));
    }

    /** The input side this model currently takes (its build size until {@link #setInputSize}). */
    @Override
    public int imageSize() {
        return inputSize;
    }

    @Override
    public ModelOptions options() {
        return super.options().withImageSize(inputSize);
    }

    /**
     * Moves the model to n×n inputs (n a positive multiple of 32): each stage's relative position
     * bias is resized bicubically over its query and key grids ({@link RelativePositionBias#resize}),
     * in place — the state-dict keys keep their order, the shapes follow the new grids. Resizing to
     * the current size changes nothing. Works before and after the weights are materialised.
     */
    public void setInputSize(int n) {
        CMTConfig.checkImageSize(spec().name(), n);
        if (n == inputSize) return;
        for (int s = 0; s < 4; s++) {
            if (relativePos[s].isMaterialized()) {
                NDArray resized =
                        RelativePositionBias.resize(relativePos[s].value(), CMTConfig.grid(n, s), config.keyGrid(n, s));
                relativePos[s] = replaceParameter(biasName(s), resized);
            } else {
                relativePos[s] = replaceParameter(biasName(s), biasShape(n, s));
            }
        }
        inputSize = n;
    }

    /**
     * A copy of {@code checkpoint} whose {@code relative_pos_*} tensors are resized (see
     * {@link RelativePositionBias#resize}) to the shapes {@code target} has, so that a checkpoint
     * saved at one resolution loads into a model built for another. The source grids are read off
     * the tensors' shapes. Entries that already fit, and every other key, are passed through
     * unchanged (same array objects); resized arrays are new and live in the source array's
     * manager. A head-count mismatch is left for the strict load to report.
     */
    public static Map<String, NDArray> adaptStateDict(Map<String, NDArray> checkpoint, Module target) {
        Map<String, Parameter> slots = target.namedSlots();
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : checkpoint.entrySet()) {
            NDArray v = e.getValue();
            Parameter slot = slots.get(e.getKey());
            if (e.getKey().startsWith("relative_pos_")
                    && slot != null
                    && !v.getShape().equals(slot.shape())
                    && v.getShape().dimension() == 3
                    && slot.shape().dimension() == 3
                    && v.getShape().get(0) == slot.shape().get(0)) {
                int q = RelativePositionBias.side(slot.shape().get(1), "target query");
                int k = RelativePositionBias.side(slot.shape().get(2), "target key");
                v = RelativePositionBias.resize(v, q, k);
            }
            out.put(e.getKey(), v);
        }
        return out;
    }

    @Override
    protected NDArray stem(NDArray x) {
        return stem.forward(x);
    }

    @Override
    public int numStages() {
        return 4;
    }

    /** Patch embedding then the stage's blocks; B×C×H×W in and out. */
    @Override
    protected NDArray stage(int i, NDArray x) {
        return blocks[i].forward(patchEmbeds[i].forward(x));
    }

    /** Per stage the patch embedding {@code patch_embed_x}, then the CMT blocks {@code blocks_x.j}. */
    @Override
    public List<Block> blocks() {
        List<Block> out = new ArrayList<>();
        for (int s = 0; s < 4; s++) {
            String x = STAGE_LETTERS[s];
            out.add(new Block("patch_embed_" + x, s, patchEmbeds[s]));
            for (int j = 0; j < blocks[s].size(); j++) out.add(new Block("blocks_" + x + "." + j, s, blocks[s].get(j)));
        }
        return out;
    }

    @Override
    public NDArray forwardHead(NDArray features) {
        return head.forward(drop.forward(forwardEmbedding(features)));
    }

    /** The pooled 1×1-conv → BN → Swish features (1280 wide for the official variants) the classifier reads. */
    @Override
    public NDArray forwardEmbedding(NDArray features) {
        return AvgPool2d.global(swish.forward(fcNorm.forward(fc.forward(features))));
    }

    /** Stage s owns {@code relative_pos_x}, {@code patch_embed_x} and {@code blocks_x} (x = a…d). */
    @Override
    public String partOf(String key) {
        if (key.startsWith("stem_")) return "stem";
        for (int s = 0; s < 4; s++) {
            char x = (char) ('a' + s);
            if (key.startsWith("relative_pos_" + x)
                    || key.startsWith("patch_embed_" + x + ".")
                    || key.startsWith("blocks_" + x + ".")) {
                return "stage" + (s + 1);
            }
        }
        return "head";
    }

    @Override
    protected void reparameterizeHead() {
        if (fc != null) fcNorm.foldInto(fc);
    }

    /** Stage {@code i}'s patch embedding (its downsampling layer). */
    public CMTPatchEmbed patchEmbed(int i) {
        return patchEmbeds[i];
    }

    /** Stage {@code i}'s CMT blocks. */
    public Sequential stageBlocks(int i) {
        return blocks[i];
    }

    @Override
    public int[] stageChannels() {
        return config.dims();
    }

    @Override
    public int[] stageStrides() {
        return new int[] {4, 8, 16, 32};
    }

    @Override
    public void checkInputSize(int height, int width) {
        if (height != inputSize || width != inputSize) {
            throw new IllegalArgumentException(String.format(
                    "%s is set up for %dx%d inputs (its relative position biases have one entry per query/key position "
                            + "pair of that grid), got %dx%d: call setInputSize(%d) or build it with "
                            + "ModelOptions.withImageSize(n), n a multiple of %d",
                    spec().name(),
                    inputSize,
                    inputSize,
                    height,
                    width,
                    height == width ? height : Math.max(height, width),
                    CMTConfig.SIZE_DIVISOR));
        }
    }

    /**
     * Loader hook: a checkpoint saved at another resolution gets its {@code relative_pos_*}
     * interpolated to this model's grids (see {@link #adaptStateDict(Map, Module)}).
     */
    @Override
    public void adaptStateDict(
            Map<String, NDArray> source, Map<String, Shape> target, NDManager manager, List<String> notes) {
        Map<String, NDArray> adapted = adaptStateDict(source, this);
        adapted.forEach((key, v) -> {
            NDArray before = source.get(key);
            if (v != before) {
                notes.add(key + ": relative position bias interpolated (bicubic) from " + before.getShape() + " to "
                        + v.getShape());
                v.attach(manager);
                source.put(key, v);
            }
        });
    }

    /** Registry entries: the released variants, then the project's compound-scaled ones. */
    public static List<ModelSpec> specs() {
        List<ModelSpec> out = new ArrayList<>();
        for (CMTConfig c : CMTConfig.RELEASED) {
            out.add(spec(c, "CMT official configuration, depths " + java.util.Arrays.toString(c.depths())));
        }
        for (CompoundScaling.Scaled s : CompoundScaling.PROJECT_MODELS) {
            out.add(spec(
                    s.config(),
                    String.format(
                            "project-own CMT, compound-scaled from %s with phi=%s (no official weights)",
                            s.base().name(), s.phi())));
        }
        return out;
    }

    private static ModelSpec spec(CMTConfig c, String description) {
        return new ModelSpec(
                c.name(), "cmt", description, c.imageSize(), 224.0 / 256, (spec, opts) -> new CMT(spec, c, opts));
    }
}
