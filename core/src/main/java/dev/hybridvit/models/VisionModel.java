package dev.hybridvit.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.hybridvit.nn.AvgPool2d;
import dev.hybridvit.nn.BatchNorm;
import dev.hybridvit.nn.Module;
import dev.hybridvit.nn.Reparameterization;
import dev.hybridvit.tensor.Tensors;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A classification backbone seen as a pipeline: stem → stage 1 … stage n → head. The parts are
 * views over the module tree (they do not change state-dict names); the pipeline is what
 * {@code forwardStages} (dense prediction), per-stage MAC/latency profiling and the CLI's stage
 * table are built on.
 *
 * <p>A model owns the manager its weights live in; close it to free them.
 */
public abstract class VisionModel extends Module implements AutoCloseable {
    private NDManager manager;
    private final ModelSpec spec;
    private final ModelOptions options;
    private boolean reparameterized;

    protected VisionModel(ModelSpec spec, ModelOptions options) {
        this.spec = spec;
        this.options = options;
    }

    public ModelSpec spec() {
        return spec;
    }

    public ModelOptions options() {
        return options;
    }

    public int imageSize() {
        return options.imageSize(spec);
    }

    public int numClasses() {
        return options.numClasses();
    }

    /** Stem: image → first-stage input. */
    protected abstract NDArray stem(NDArray x);

    public abstract int numStages();

    /** Stage {@code i} (0-based). */
    protected abstract NDArray stage(int i, NDArray x);

    /** Final feature map → logits (norm/pool/classifier as the family defines it). */
    public abstract NDArray forwardHead(NDArray features);

    /**
     * Every stage's output → logits: what a dense head (Semantic FPN) takes; a classifier's head
     * uses the last one only.
     */
    public NDArray forwardHead(List<NDArray> stages) {
        return forwardHead(stages.get(stages.size() - 1));
    }

    /** Channels of each stage's output. */
    public abstract int[] stageChannels();

    /** Downsampling factor of each stage's output relative to the input. */
    public abstract int[] stageStrides();

    /**
     * Which part of the pipeline a state-dict key belongs to: {@code stem}, {@code stage1} …
     * {@code stageN} or {@code head} (for per-stage parameter tables).
     */
    public abstract String partOf(String stateDictKey);

    /** Rejects input sizes the architecture cannot take, with a reason. */
    public abstract void checkInputSize(int height, int width);

    /** One block of the backbone: its state-dict prefix (e.g. {@code features.3}), 0-based stage and module. */
    public record Block(String name, int stage, Module module) {}

    /**
     * The backbone's blocks in forward order — the units a per-block profile reports. Contract:
     * applying the blocks of stage {@code i} in order to that stage's input computes exactly
     * {@link #runStage}{@code (i, ·)}, so stem, blocks and head together are the whole forward. A
     * stage's downsampling layer, where the family keeps one outside its blocks (CMT's patch
     * embeddings), is a block of its own. Stage parameters shared by several blocks (CMT's
     * relative position biases) belong to no block.
     */
    public List<Block> blocks() {
        throw new UnsupportedOperationException(spec.name() + " does not list its blocks");
    }

    /**
     * The module applied to stage {@code i}'s output before it is returned as a feature and passed
     * on to the next stage (Next-ViT's dense {@code extra_norm_list}), or null. None by default.
     */
    public Module stageOutputNorm(int i) {
        return null;
    }

    /** timm's {@code feature_info}: channels, reduction and module name of each stage's output. */
    public List<FeatureInfo> featureInfo() {
        int[] channels = stageChannels(), strides = stageStrides();
        List<FeatureInfo> out = new ArrayList<>();
        for (int i = 0; i < numStages(); i++) out.add(new FeatureInfo(channels[i], strides[i], stageOutputName(i)));
        return out;
    }

    /** State-dict name of the module whose output is stage {@code i}'s feature: its norm, or its last block. */
    private String stageOutputName(int i) {
        Module norm = stageOutputNorm(i);
        if (norm != null) {
            for (Map.Entry<String, Module> e : namedModules().entrySet()) if (e.getValue() == norm) return e.getKey();
        }
        String last = "stage" + (i + 1);
        for (Block b : blocks()) if (b.stage() == i) last = b.name();
        return last;
    }

    /**
     * The feature maps of the stages {@code outIndices} (0-based, ascending, as timm's
     * {@code out_indices}); no stage after the last one asked for runs.
     */
    public List<NDArray> features(NDArray x, int... outIndices) {
        checkInput(x);
        checkOutIndices(outIndices);
        List<NDArray> out = new ArrayList<>();
        x = stem(x);
        int next = 0;
        for (int i = 0; next < outIndices.length; i++) {
            x = stage(i, x);
            Module norm = stageOutputNorm(i);
            if (norm != null) x = norm.forward(x);
            if (outIndices[next] == i) {
                out.add(x);
                next++;
            }
        }
        return out;
    }

    /** Rejects out-of-range, repeated or unordered stage indices, naming them. */
    public void checkOutIndices(int... outIndices) {
        for (int k = 0; k < outIndices.length; k++) {
            int i = outIndices[k];
            if (i < 0 || i >= numStages() || (k > 0 && i <= outIndices[k - 1])) {
                throw new IllegalArgumentException("out-indices " + java.util.Arrays.toString(outIndices)
                        + ": expected distinct ascending stage indices in 0.." + (numStages() - 1));
            }
        }
        if (outIndices.length == 0) throw new IllegalArgumentException("out-indices: expected at least one stage");
    }

    /** Every stage's index (the default {@code out_indices}). */
    public int[] allStages() {
        return java.util.stream.IntStream.range(0, numStages()).toArray();
    }

    /** Feature maps after each stage (channels {@link #stageChannels}, strides {@link #stageStrides}). */
    public List<NDArray> forwardStages(NDArray x) {
        return features(x, allStages());
    }

    /** The last stage's feature map (before the head). */
    public NDArray forwardFeatures(NDArray x) {
        return features(x, numStages() - 1).get(0);
    }

    /** True for a backbone built without a classifier ({@link ModelOptions#headless}). */
    public boolean isHeadless() {
        return options.isHeadless();
    }

    @Override
    public NDArray forward(NDArray x) {
        if (isHeadless())
            throw new IllegalStateException(spec.name() + " is a headless backbone: it has features(), no logits");
        return forwardHead(forwardFeatures(x));
    }

    /**
     * The image embedding: the globally pooled final feature map (N×C), the features the classifier
     * reads. It is taken before any head BatchNorm, which the deploy form folds into the classifier,
     * so the eval and deploy forms (and their ONNX exports) give the same vector.
     */
    public NDArray forwardEmbedding(NDArray features) {
        return AvgPool2d.global(features);
    }

    /** Logits and embeddings of one batch in a scoped child manager: only the two results survive. */
    public NDArray[] predictWithEmbedding(NDArray x) {
        NDManager owner = x.getManager();
        try (NDManager scope = owner.newSubManager()) {
            x.tempAttach(scope);
            NDArray features = forwardFeatures(x);
            NDArray[] out = {forwardHead(features), forwardEmbedding(features)};
            for (NDArray a : out) a.attach(owner);
            return out;
        }
    }

    /** Forward in a scoped child manager: only the logits survive (use this in loops). */
    public NDArray predict(NDArray x) {
        return Tensors.scoped(x, this::forward);
    }

    /** Runs the stem alone; then {@link #runStage}: used by per-stage profiling. */
    public NDArray runStem(NDArray x) {
        checkInput(x);
        return stem(x);
    }

    public NDArray runStage(int i, NDArray x) {
        return stage(i, x);
    }

    private void checkInput(NDArray x) {
        checkInputShape(x.getShape().getShape());
    }

    /** Rejects an input shape that is not N×3×H×W, or whose H×W the architecture cannot take, with a reason. */
    public void checkInputShape(long... shape) {
        if (shape.length != 4 || shape[1] != 3) {
            throw new IllegalArgumentException(
                    spec.name() + " expected an N×3×H×W tensor, got shape " + java.util.Arrays.toString(shape));
        }
        checkInputSize((int) shape[2], (int) shape[3]);
    }

    /**
     * The deploy form, in place: every module's inference-time fold ({@link Reparameterization}),
     * e.g. each BatchNorm that follows a conv folded into it, then the head's. Switches to eval
     * mode; calling it again changes nothing. The ONNX exporter's deploy form starts from it.
     */
    public final void reparameterize() {
        Reparameterization.apply(this);
        reparameterizeHead();
        reparameterized = true;
    }

    /**
     * Folds what the model's root holds directly, outside any block (a head's conv → BN, or a BN
     * before the classifier); the blocks have been reparameterised already. No-op by default.
     */
    protected void reparameterizeHead() {}

    public boolean isReparameterized() {
        return reparameterized;
    }

    /**
     * Loader hook, called after a checkpoint's keys are mapped to this model's names and before shapes are
     * checked: replaces in {@code source} what is right in name but not in shape (CMT's resolution-sized
     * position bias; new arrays in {@code manager}, one line per change in {@code notes}). Default: nothing.
     */
    public void adaptStateDict(
            Map<String, NDArray> source, Map<String, Shape> target, NDManager manager, List<String> notes) {}

    /** Allocates and initialises the weights in a new manager owned by this model (eval mode). */
    public final VisionModel build(long seed) {
        if (manager != null) throw new IllegalStateException("model already built");
        manager = Tensors.newManager();
        Tensors.seed(seed);
        materialize(manager);
        for (Module m : namedModules().values()) if (m instanceof VisionModel v) v.freezeStages();
        setTraining(false);
        return this;
    }

    /**
     * Training mode as the official dense backbone's {@code train(mode)} sets it: with
     * {@code frozenStages = k} the stem and stages 1…k stay in eval mode (no drop-path, running
     * statistics), with {@code normEval} every BatchNorm does (a headless backbone only).
     */
    @Override
    public void setTraining(boolean training) {
        super.setTraining(training);
        if (!training || !isHeadless()) return;
        for (Module m : frozenModules()) m.setTraining(false);
        if (options.normEval())
            for (Module m : namedModules().values()) if (m instanceof BatchNorm) m.setTraining(false);
    }

    /** Whether a {@link #partOf} part is frozen: the stem and stages 1…{@code frozenStages}. */
    private boolean isFrozen(String part) {
        int k = options.frozenStages();
        if (k == 0) return false;
        if (part.equals("stem")) return true;
        return part.startsWith("stage") && Integer.parseInt(part.substring(5)) <= k;
    }

    /** Marks the frozen stages' parameters (headless backbone only), which then get no gradient. */
    private void freezeStages() {
        if (!isHeadless() || options.frozenStages() == 0) return;
        if (options.frozenStages() > numStages())
            throw new IllegalArgumentException(
                    "frozen-stages " + options.frozenStages() + ": " + spec.name() + " has " + numStages() + " stages");
        namedSlots().forEach((key, p) -> {
            if (p.isTrainable() && isFrozen(partOf(key))) p.setFrozen(true);
        });
    }

    /** The stem's top-level modules and the blocks of the frozen stages. */
    private List<Module> frozenModules() {
        List<Module> out = new ArrayList<>();
        if (options.frozenStages() == 0) return out;
        children().forEach((name, child) -> {
            var keys = child.namedSlots().keySet();
            if (!keys.isEmpty()
                    && keys.stream().allMatch(k -> partOf(name + "." + k).equals("stem"))) out.add(child);
        });
        for (Block b : blocks()) if (b.stage() < options.frozenStages()) out.add(b.module());
        return out;
    }

    public NDManager manager() {
        return manager;
    }

    @Override
    public void close() {
        if (manager != null) manager.close();
        manager = null;
    }
}
