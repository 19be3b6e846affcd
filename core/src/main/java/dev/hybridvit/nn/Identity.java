package dev.hybridvit.nn;

import ai.djl.ndarray.NDArray;
import dev.hybridvit.deploy.onnx.OnnxGraph;

/** Passes its input through; has no keys. */
public final class Identity extends Module {
    @Override
    public NDArray forward(NDArray x) { return x; }

    @Override
    public String toOnnx(OnnxGraph g, String x) { return x; }
}
