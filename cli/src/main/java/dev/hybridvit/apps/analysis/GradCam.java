package dev.hybridvit.apps.analysis;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.hybridvit.models.VisionModel;
import dev.hybridvit.tensor.Tensors;

/**
 * Grad-CAM (Selvaraju et al., ICCV 2017): a stage's feature map weighted per channel by the mean
 * gradient of a class logit with respect to it, summed over channels, ReLU'd and scaled to [0, 1].
 * The stage is the last one whose map is at least {@link #MIN_SIDE} wide (at small inputs the last
 * stage is a single position, which locates nothing).
 */
public final class GradCam {
    static final int MIN_SIDE = 4;

    private GradCam() {}

    /** A heat map of {@code side}×{@code side} values in [0, 1] for {@code label}, taken after stage {@code stage}. */
    public record Map(int label, double probability, int stage, int side, float[] values) {}

    /**
     * @param x     one preprocessed image, 1×3×H×W
     * @param label the class to explain, or -1 for the predicted one
     */
    public static Map run(VisionModel model, NDArray x, int label) {
        try (NDManager scope = x.getManager().newSubManager()) {
            x.tempAttach(scope);
            NDArray h = model.runStem(x);
            NDArray[] outs = new NDArray[model.numStages()];
            for (int s = 0; s < outs.length; s++) h = outs[s] = model.runStage(s, h);
            int stage = outs.length - 1;
            while (stage > 0 && outs[stage].getShape().get(2) < MIN_SIDE) stage--;
            NDArray features = outs[stage].duplicate();
            features.setRequiresGradient(true);
            NDArray logits;
            try (GradientCollector gc = Tensors.newGradientCollector()) {
                NDArray y = features;
                for (int s = stage + 1; s < outs.length; s++) y = model.runStage(s, y);
                logits = model.forwardHead(y);
                int cls = label >= 0 ? label : (int) logits.argMax(1).getLong(0);
                if (cls >= logits.getShape().get(1))
                    throw new IllegalArgumentException("--class " + cls + " is beyond the model's "
                            + logits.getShape().get(1) + " classes");
                gc.backward(logits.get(0, cls));
                NDArray weights =
                        features.getGradient().mean(new int[] {3}, true).mean(new int[] {2}, true);
                NDArray cam =
                        features.mul(weights).sum(new int[] {1}).maximum(0f).get(0);
                float max = cam.max().getFloat();
                if (max > 0) cam = cam.div(max);
                double p = logits.softmax(1).getFloat(0, cls);
                return new Map(cls, p, stage, (int) cam.getShape().get(0), cam.toFloatArray());
            }
        }
    }
}
