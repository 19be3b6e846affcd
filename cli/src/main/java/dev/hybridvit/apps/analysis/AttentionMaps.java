package dev.hybridvit.apps.analysis;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.hybridvit.models.VisionModel;
import dev.hybridvit.models.cmt.CMTBlock;
import dev.hybridvit.models.nextvit.NextTransformerBlock;
import java.util.ArrayList;
import java.util.List;

/**
 * Attention maps of Next-ViT's E-MHSA and CMT's LMHSA: for one query position, the weights its
 * softmax gives every key, averaged over heads and spread back over the block's token grid. A key
 * stands for the tokens it was pooled from: a window of sr² consecutive raster tokens in E-MHSA
 * (the official 1-D pool; trailing tokens that fill no window get 0), a k×k patch in LMHSA.
 */
public final class AttentionMaps {
    private AttentionMaps() {}

    /**
     * One attention block's map: {@code side}×{@code side} values scaled to a maximum of 1, for the
     * token at column {@code queryColumn}, row {@code queryRow} of that grid.
     */
    public record Map(String block, int side, int queryColumn, int queryRow, float[] values) {}

    /** True when the model has blocks this class can read attention from. */
    public static boolean applies(VisionModel model) {
        return model.blocks().stream()
                .anyMatch(b -> b.module() instanceof NextTransformerBlock || b.module() instanceof CMTBlock);
    }

    /**
     * @param x      one preprocessed image, 1×3×S×S
     * @param queryX query column in input pixels, 0 ≤ queryX &lt; S
     * @param queryY query row in input pixels
     */
    public static List<Map> run(VisionModel model, NDArray x, int queryX, int queryY) {
        long size = x.getShape().get(3);
        List<Map> out = new ArrayList<>();
        try (NDManager scope = x.getManager().newSubManager()) {
            x.tempAttach(scope);
            NDArray h = model.runStem(x);
            for (VisionModel.Block b : model.blocks()) {
                if (b.module() instanceof NextTransformerBlock ntb) {
                    NDArray map = ntb.patchEmbed.forward(h);
                    int side = (int) map.getShape().get(2);
                    NDArray weights = ntb.mhsa.attentionWeights(tokens(ntb.norm1.forward(map)));
                    int window = ntb.mhsa.sr * ntb.mhsa.sr;
                    out.add(map(b.name(), weights, side, size, queryX, queryY, t -> t / window));
                } else if (b.module() instanceof CMTBlock cmt) {
                    NDArray map = cmt.lpu == null ? h : cmt.lpu.forward(h).add(h);
                    int side = (int) map.getShape().get(2), k = cmt.attn.ratio, keySide = side / k;
                    NDArray weights = cmt.attn.attentionWeights(tokens(cmt.norm1.forward(tokens(map))), side, side);
                    out.add(map(b.name(), weights, side, size, queryX, queryY, t -> {
                        int row = t / side, col = t % side;
                        return row / k * keySide + col / k;
                    }));
                }
                h = b.module().forward(h);
            }
        }
        return out;
    }

    /** B×C×H×W → B×HW×C raster tokens (already tokens: unchanged). */
    private static NDArray tokens(NDArray x) {
        var s = x.getShape();
        if (s.dimension() == 3) return x;
        return x.reshape(s.get(0), s.get(1), s.get(2) * s.get(3)).transpose(0, 2, 1);
    }

    private static Map map(
            String block,
            NDArray weights,
            int side,
            long size,
            int queryX,
            int queryY,
            java.util.function.IntUnaryOperator keyOf) {
        int col = (int) (queryX * side / size), row = (int) (queryY * side / size);
        int query = row * side + col;
        float[] keys =
                weights.get(0).get(":, " + query + ", :").mean(new int[] {0}).toFloatArray();
        float[] values = new float[side * side];
        float max = 0;
        for (int t = 0; t < values.length; t++) {
            int key = keyOf.applyAsInt(t);
            values[t] = key < keys.length ? keys[key] : 0;
            max = Math.max(max, values[t]);
        }
        if (max > 0) for (int t = 0; t < values.length; t++) values[t] /= max;
        return new Map(block, side, col, row, values);
    }
}
