package dev.hybridvit.models.segmentation;

import ai.djl.ndarray.NDArray;
import dev.hybridvit.nn.Module;
import dev.hybridvit.nn.Sequential;
import dev.hybridvit.nn.Upsample;
import java.util.ArrayList;
import java.util.List;

/**
 * The feature pyramid of Lin et al. (2017) as mmsegmentation's {@code FPN} builds it for Semantic
 * FPN: a 1×1 lateral conv per level, a top-down pathway adding each coarser level, upsampled by
 * nearest neighbour to the finer level's size, and a 3×3 output conv per level; convs with bias,
 * no norm, no activation, {@code num_outs} = number of inputs (no extra levels).
 */
public final class FPNNeck extends Module {
    public final Sequential lateralConvs, fpnConvs;

    public FPNNeck(int[] inChannels, int outChannels) {
        lateralConvs = register("lateral_convs", new Sequential());
        fpnConvs = register("fpn_convs", new Sequential());
        for (int c : inChannels) {
            lateralConvs.add(new ConvModule(c, outChannels, 1, false));
            fpnConvs.add(new ConvModule(outChannels, outChannels, 3, false));
        }
    }

    /** Multi-scale inputs, finest first → pyramid levels of the same sizes. */
    public List<NDArray> forward(List<NDArray> inputs) {
        int n = lateralConvs.size();
        NDArray[] laterals = new NDArray[n];
        for (int i = 0; i < n; i++) laterals[i] = lateralConvs.get(i).forward(inputs.get(i));
        for (int i = n - 1; i > 0; i--) {
            long[] prev = laterals[i - 1].getShape().getShape();
            laterals[i - 1] =
                    laterals[i - 1].add(Upsample.resize(laterals[i], prev[2], prev[3], Upsample.Mode.NEAREST));
        }
        List<NDArray> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(fpnConvs.get(i).forward(laterals[i]));
        return out;
    }

    @Override
    public NDArray forward(NDArray x) {
        throw new UnsupportedOperationException("the FPN takes one map per level: forward(List)");
    }
}
