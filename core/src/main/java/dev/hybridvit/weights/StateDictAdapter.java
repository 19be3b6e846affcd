package dev.hybridvit.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.List;
import java.util.Map;

/**
 * A model family's hook for checkpoints whose tensors are right in name but not in shape for the
 * model at hand — the case of CMT's {@code relative_pos_*} bias, sized by the image resolution
 * ({@code (heads, N, N/k²)}): a checkpoint trained at 160 needs it interpolated to load into a
 * model built for 224. A {@link dev.hybridvit.models.VisionModel} subclass that implements this
 * interface is called by {@link WeightsLoader} after keys are mapped to the model's names and
 * before shapes are checked.
 *
 * <p>Contract: replace entries of {@code source} in place (create new arrays in {@code manager},
 * which is closed after loading; the replaced arrays may be closed too), leave what you cannot fix
 * alone so the shape check reports it, and add one line per change to {@code notes}.
 */
public interface StateDictAdapter {
    void adaptStateDict(Map<String, NDArray> source, Map<String, Shape> target, NDManager manager, List<String> notes);
}
