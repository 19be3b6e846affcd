package dev.hybridvit.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.hybridvit.data.BatchLoader;
import dev.hybridvit.models.VisionModel;
import dev.hybridvit.tensor.Tensors;
import java.util.Iterator;
import java.util.function.Function;

/** Top-1 / top-5 accuracy, mean cross-entropy loss and the confusion matrix of a model in eval mode. */
public final class Evaluator {
    private Evaluator() {}

    /** Results; {@code confusion[true][predicted]} counts images; {@code loss} is the mean cross entropy (no smoothing). */
    public record Result(double top1, double top5, long images, long[][] confusion, double loss) {}

    public static Result evaluate(VisionModel model, BatchLoader loader) {
        boolean wasTraining = model.isTraining();
        model.setTraining(false);
        try {
            return evaluate(model.numClasses(), loader, batch -> {
                try (NDManager step = model.manager().newSubManager()) {
                    int[] d = batch.dims();
                    NDArray x = Tensors.channelsLast(step, batch.images(), batch.size(), d[0], d[1], d[2]);
                    return model.forward(x).toFloatArray();
                }
            });
        } finally {
            model.setTraining(wasTraining);
        }
    }

    /**
     * The same scores for any classifier: {@code logits} maps a batch (N×C×H×W, row-major) to its
     * N×{@code k} logits, row-major (an exported model in ONNX Runtime, say).
     */
    public static Result evaluate(int k, BatchLoader loader, Function<BatchLoader.Batch, float[]> logitsOf) {
        long[][] confusion = new long[k][k];
        long top1 = 0, top5 = 0, n = 0;
        double lossSum = 0;
        Iterator<BatchLoader.Batch> it = loader.epoch(0);
        while (it.hasNext()) {
            BatchLoader.Batch batch = it.next();
            float[] logits = logitsOf.apply(batch);
            for (int i = 0; i < batch.size(); i++) {
                int label = batch.labels()[i];
                int rank = 0, best = 0;
                float own = logits[i * k + label];
                for (int c = 0; c < k; c++) {
                    float v = logits[i * k + c];
                    if (v > own) rank++;
                    if (v > logits[i * k + best]) best = c;
                }
                double z = 0; // −log softmax at the label, shifted by the max logit for stability
                for (int c = 0; c < k; c++) z += Math.exp(logits[i * k + c] - logits[i * k + best]);
                lossSum += Math.log(z) - (own - logits[i * k + best]);
                confusion[label][best]++;
                if (rank == 0) top1++;
                if (rank < 5) top5++;
                n++;
            }
        }
        return new Result((double) top1 / n, (double) top5 / n, n, confusion, lossSum / n);
    }
}
