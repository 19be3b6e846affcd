package dev.hybridvit.models.cmt;

import ai.djl.ndarray.NDArray;
import dev.hybridvit.nn.Conv2d;
import dev.hybridvit.nn.Init;
import dev.hybridvit.nn.LayerNorm;
import dev.hybridvit.nn.Module;

/**
 * CMT patch embedding that opens each stage: a 2×2 stride-2 convolution (4×4 stride 4 on the image when the model has no conv stem) (key {@code proj}) halves
 * the resolution, then LayerNorm over channels (key {@code norm}, PyTorch's default eps 1e-5 — not
 * the blocks' 1e-6). B×C×H×W in, B×C'×H/2×W/2 out (normalised in token layout, returned as NCHW).
 */
public final class CMTPatchEmbed extends Module {
    static final double EPS = 1e-5;
    public final Conv2d proj;
    public final LayerNorm norm;

    /** @param patch the side (and stride) of the conv: 2 in every stage, 4 for a model without the conv stem */
    CMTPatchEmbed(int in, int out, int patch) {
        proj = register("proj", new Conv2d(in, out, patch, patch, 0, 1, true, Init.kaimingNormalFanOut()));
        norm = register("norm", new LayerNorm(out, EPS));
    }

    @Override
    public NDArray forward(NDArray x) {
        NDArray y = proj.forward(x);
        var s = y.getShape();
        long b = s.get(0), c = s.get(1), h = s.get(2), w = s.get(3);
        NDArray tokens = norm.forward(y.reshape(b, c, h * w).transpose(0, 2, 1));
        return tokens.transpose(0, 2, 1).reshape(b, c, h, w);
    }
}
