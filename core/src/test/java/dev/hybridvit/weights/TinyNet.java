package dev.hybridvit.weights;

import ai.djl.ndarray.NDArray;
import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelSpec;
import dev.hybridvit.models.VisionModel;
import dev.hybridvit.nn.Activation;
import dev.hybridvit.nn.BatchNorm;
import dev.hybridvit.nn.Conv2d;
import dev.hybridvit.nn.ConvMlp;
import dev.hybridvit.nn.Init;
import dev.hybridvit.nn.Linear;
import dev.hybridvit.nn.Module;
import dev.hybridvit.nn.Sequential;

/**
 * A test double with Next-ViT's key layout in miniature ({@code stem.0}, {@code features.k.norm},
 * {@code features.k.mlp.conv1/2}, {@code norm}, {@code proj_head.0}): three blocks, a few thousand
 * parameters, so error paths are tested without building a real backbone. Not registered.
 */
final class TinyNet extends VisionModel {
    static final ModelSpec SPEC = new ModelSpec("tiny_nextvit", "nextvit", "test double", 32, 0.875, TinyNet::new);

    TinyNet(ModelSpec spec, ModelOptions options) {
        super(spec, options);
        register("stem", new Sequential(Conv2d.pointwise(3, 8, false, Init.TRUNC_NORMAL_02)));
        register("features", new Sequential(new Block(), new Block(), new Block()));
        register("norm", new BatchNorm(8));
        register("proj_head", new Sequential(new Linear(8, options.numClasses(), true)));
    }

    static TinyNet create(int numClasses, long seed) {
        return (TinyNet) SPEC.create(ModelOptions.defaults().withNumClasses(numClasses), seed);
    }

    /** features.k: a BN and a conv MLP. */
    static final class Block extends Module {
        Block() {
            register("norm", new BatchNorm(8));
            register("mlp", new ConvMlp(8, 16, Activation.Kind.RELU, Init.TRUNC_NORMAL_02));
        }

        @Override
        public NDArray forward(NDArray x) {
            return x;
        }
    }

    @Override
    protected NDArray stem(NDArray x) {
        return x;
    }

    @Override
    public int numStages() {
        return 1;
    }

    @Override
    protected NDArray stage(int i, NDArray x) {
        return x;
    }

    @Override
    public NDArray forwardHead(NDArray features) {
        return features;
    }

    @Override
    public int[] stageChannels() {
        return new int[] {8};
    }

    @Override
    public int[] stageStrides() {
        return new int[] {1};
    }

    @Override
    public String partOf(String key) {
        return "stage1";
    }

    @Override
    public void checkInputSize(int height, int width) {}
}
