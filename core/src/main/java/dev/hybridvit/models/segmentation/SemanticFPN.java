package dev.hybridvit.models.segmentation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelSpec;
import dev.hybridvit.models.VisionModel;
import dev.hybridvit.nn.Module;
import dev.hybridvit.nn.Upsample;
import dev.hybridvit.tensor.Tensors;
import java.util.ArrayList;
import java.util.List;

/**
 * Semantic FPN (Kirillov et al., "Panoptic Feature Pyramid Networks", CVPR 2019) on any registered
 * backbone, as mmsegmentation's {@code EncoderDecoder} builds it for the official Next-ViT ADE20K
 * runs ({@code segmentation/configs/fpn_512_nextvit_*_80k.py}): the headless backbone's four stages
 * → {@link FPNNeck} (256 channels) → {@link FPNHead} (128 channels, dropout 0.1) → logits resized
 * bilinearly to the input size. Keys as mmseg names them: {@code backbone.*}, {@code neck.*},
 * {@code decode_head.*}. The output is N×K×H×W.
 */
public final class SemanticFPN extends VisionModel {
    public static final int NECK_CHANNELS = 256, HEAD_CHANNELS = 128;
    public static final double HEAD_DROPOUT = 0.1;
    /** Prefix of the registry names. */
    public static final String PREFIX = "fpn_";

    public final VisionModel backbone;
    public final FPNNeck neck;
    public final FPNHead decodeHead;

    public SemanticFPN(ModelSpec spec, ModelSpec backboneSpec, boolean extraNorms, ModelOptions options) {
        super(spec, options);
        backbone = register(
                "backbone",
                backboneSpec.architecture(ModelOptions.defaults()
                        .withImageSize(options.imageSize(spec))
                        .withDropPath(options.dropPath())
                        .withFrozenStages(options.frozenStages())
                        .withNormEval(options.normEval())
                        .headless(extraNorms)));
        neck = register("neck", new FPNNeck(backbone.stageChannels(), NECK_CHANNELS));
        decodeHead = register(
                "decode_head",
                new FPNHead(NECK_CHANNELS, HEAD_CHANNELS, backbone.stageStrides(), options.numClasses(), HEAD_DROPOUT));
    }

    /** Class logits at the input's size. */
    @Override
    public NDArray forward(NDArray x) {
        long[] s = x.getShape().getShape();
        return logits(features(x, allStages()), s[2], s[3]);
    }

    /**
     * mmseg's {@code slide_inference} ({@link SegmentationInference#slide}) in eager libtorch.
     * Returns N×K×H×W in {@code x}'s manager; each window runs in its own scope.
     */
    public NDArray slideForward(NDArray x, int crop, int stride) {
        long[] s = x.getShape().getShape();
        int n = (int) s[0], h = (int) s[2], w = (int) s[3], k = numClasses();
        float[] logits = SegmentationInference.slide(crop, stride).slideLogits(n, k, h, w, (y1, y2, x1, x2) -> {
            try (NDArray window = x.get(new NDIndex(":, :, {}:{}, {}:{}", y1, y2, x1, x2));
                    NDArray out = predict(window)) {
                return Tensors.toFloats(out);
            }
        });
        return Tensors.fromFloats(x.getManager(), logits, n, k, h, w);
    }

    /** Logits at the built input size from the four stage outputs. */
    @Override
    public NDArray forwardHead(List<NDArray> stages) {
        return logits(stages, imageSize(), imageSize());
    }

    private NDArray logits(List<NDArray> stages, long height, long width) {
        NDArray logits = decodeHead.forward(neck.forward(stages));
        return Upsample.resize(logits, height, width, Upsample.Mode.BILINEAR);
    }

    @Override
    protected NDArray stem(NDArray x) {
        return backbone.runStem(x);
    }

    @Override
    public int numStages() {
        return backbone.numStages();
    }

    @Override
    protected NDArray stage(int i, NDArray x) {
        return backbone.runStage(i, x);
    }

    @Override
    public Module stageOutputNorm(int i) {
        return backbone.stageOutputNorm(i);
    }

    @Override
    public NDArray forwardHead(NDArray features) {
        throw new UnsupportedOperationException("Semantic FPN's head takes every stage: forwardHead(List)");
    }

    @Override
    public int[] stageChannels() {
        return backbone.stageChannels();
    }

    @Override
    public int[] stageStrides() {
        return backbone.stageStrides();
    }

    @Override
    public List<Block> blocks() {
        List<Block> out = new ArrayList<>();
        for (Block b : backbone.blocks()) out.add(new Block("backbone." + b.name(), b.stage(), b.module()));
        return out;
    }

    @Override
    public String partOf(String key) {
        if (key.startsWith("backbone.")) return backbone.partOf(key.substring("backbone.".length()));
        return key.startsWith("neck.") ? "neck" : "head";
    }

    @Override
    public void checkInputSize(int height, int width) {
        backbone.checkInputSize(height, width);
    }

    /**
     * {@code fpn_<backbone>} for every backbone: input 512 (the ADE20K crop) for the released
     * variants, 64 for the project's compact ones; Next-ViT with the official dense backbone's
     * extra norms.
     */
    public static List<ModelSpec> specs(List<ModelSpec> backbones) {
        List<ModelSpec> out = new ArrayList<>();
        for (ModelSpec b : backbones) {
            boolean extraNorms = b.family().equals("nextvit");
            int size = b.defaultImageSize() >= 160 ? 512 : 64;
            out.add(new ModelSpec(
                    PREFIX + b.name(),
                    b.family(),
                    "Semantic FPN on " + b.name() + (extraNorms ? " (dense backbone with extra norms)" : ""),
                    size,
                    1.0,
                    (spec, opts) -> new SemanticFPN(spec, b, extraNorms, opts)));
        }
        return out;
    }
}
