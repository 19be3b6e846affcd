package dev.hybridvit.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.hybridvit.data.BatchLoader;
import dev.hybridvit.models.VisionModel;

import java.util.Iterator;

/** Top-1 / top-5 accuracy and the confusion matrix of a model in eval mode. */
public final class Evaluator {
    private Evaluator() {}

    /** Results; {@code confusion[true][predicted]} counts images. */
    public record Result(double top1, double top5, long images, long[][] confusion) {}

    public static Result evaluate(VisionModel model, BatchLoader loader) {
        boolean wasTraining = model.isTraining();
        model.setTraining(false);
        int k = model.numClasses();
        long[][] confusion = new long[k][k];
        long top1 = 0, top5 = 0, n = 0;
        Iterator<BatchLoader.Batch> it = loader.epoch(0);
        while (it.hasNext()) {
            BatchLoader.Batch batch = it.next();
            try (NDManager step = model.manager().newSubManager()) {
                int[] d = batch.dims();
                NDArray x = step.create(batch.images(), new Shape(batch.size(), d[0], d[1], d[2]));
                float[] logits = model.forward(x).toFloatArray();
                for (int i = 0; i < batch.size(); i++) {
                    int label = batch.labels()[i];
                    int rank = 0, best = 0;
                    float own = logits[i * k + label];
                    for (int c = 0; c < k; c++) {
                        float v = logits[i * k + c];
                        if (v > own) rank++;
                        if (v > logits[i * k + best]) best = c;
                    }
                    confusion[label][best]++;
                    if (rank == 0) top1++;
                    if (rank < 5) top5++;
                    n++;
                }
            }
        }
        model.setTraining(wasTraining);
        return new Result((double) top1 / n, (double) top5 / n, n, confusion);
    }
}
