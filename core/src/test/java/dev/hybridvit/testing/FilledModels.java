package dev.hybridvit.testing;

import ai.djl.ndarray.NDArray;
import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelSpec;
import dev.hybridvit.models.VisionModel;
import dev.hybridvit.weights.ReferenceFill;
import java.util.Map;

/** Models of a variant record, filled with {@link ReferenceFill}'s well-conditioned weights (BN statistics away from 0 and 1). */
public final class FilledModels {
    private FilledModels() {}

    /** {@code spec} built at {@code size} px with 10 classes, every slot filled from {@code seed}. */
    public static VisionModel create(ModelSpec spec, int size, long seed) {
        VisionModel model =
                spec.create(ModelOptions.defaults().withImageSize(size).withNumClasses(10), 1);
        Map<String, NDArray> w = new ReferenceFill(seed, 0.8, 2.0).stateDict(model.namedSlots(), model.manager());
        model.loadStateDict(w);
        w.values().forEach(NDArray::close);
        return model;
    }
}
