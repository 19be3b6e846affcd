package dev.hybridvit.models.segmentation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.hybridvit.nn.Conv2d;
import dev.hybridvit.nn.Init;
import dev.hybridvit.nn.Module;
import dev.hybridvit.nn.Sequential;
import dev.hybridvit.nn.Upsample;
import java.util.List;

/**
 * Semantic FPN's head (Kirillov et al., 2019) as mmsegmentation's {@code FPNHead}: for the level
 * of stride s, log2(s/4) scale-head units (at least one), each a 3×3 ConvModule (conv without
 * bias, BN, ReLU) followed by a bilinear ×2 upsample (none on the stride-4 level), interleaved in
 * one {@code Sequential} so the keys are {@code scale_heads.i.j}; the levels are summed at stride
 * 4, then channel dropout and {@code conv_seg} (1×1 to the classes).
 */
public final class FPNHead extends Module {
    public final Conv2d convSeg;
    public final Sequential scaleHeads;
    public final double dropout;

    public FPNHead(int inChannels, int channels, int[] featureStrides, int numClasses, double dropout) {
        // BaseDecodeHead registers conv_seg before FPNHead adds its scale heads: the state dict follows that order
        convSeg = register("conv_seg", new Conv2d(channels, numClasses, 1, 1, 0, 1, true, Init.normal(0.01)));
        scaleHeads = register("scale_heads", new Sequential());
        this.dropout = dropout;
        double base = Math.log(featureStrides[0]) / Math.log(2);
        for (int stride : featureStrides) {
            int length = Math.max(1, (int) (Math.log(stride) / Math.log(2) - base));
            Sequential head = new Sequential();
            for (int k = 0; k < length; k++) {
                head.add(new ConvModule(k == 0 ? inChannels : channels, channels, 3, true));
                if (stride != featureStrides[0]) head.add(new Upsample(2, Upsample.Mode.BILINEAR));
            }
            scaleHeads.add(head);
        }
    }

    /** Pyramid levels, finest first → class logits at the finest level's size. */
    public NDArray forward(List<NDArray> levels) {
        NDArray out = scaleHeads.get(0).forward(levels.get(0));
        long[] s = out.getShape().getShape();
        for (int i = 1; i < scaleHeads.size(); i++) {
            NDArray up = scaleHeads.get(i).forward(levels.get(i));
            out = out.add(Upsample.resize(up, s[2], s[3], Upsample.Mode.BILINEAR));
        }
        return convSeg.forward(channelDropout(out));
    }

    /** {@code nn.Dropout2d}: in training, zeroes whole channels with probability p, rescales the rest. */
    private NDArray channelDropout(NDArray x) {
        if (!isTraining() || dropout == 0) return x;
        long[] s = x.getShape().getShape();
        NDArray keep = x.getManager()
                .randomUniform(0f, 1f, new Shape(s[0], s[1], 1, 1))
                .gte(dropout)
                .toType(x.getDataType(), false);
        return x.mul(keep.div(1 - dropout));
    }

    @Override
    public NDArray forward(NDArray x) {
        throw new UnsupportedOperationException("the FPN head takes one map per level: forward(List)");
    }
}
