package dev.hybridvit.export;

import static dev.hybridvit.export.Emitters.emit;

import dev.hybridvit.export.onnx.OnnxAttr;
import dev.hybridvit.export.onnx.OnnxGraph;
import dev.hybridvit.export.onnx.OnnxOp;
import dev.hybridvit.models.segmentation.ConvModule;
import dev.hybridvit.models.segmentation.FPNHead;
import dev.hybridvit.models.segmentation.FPNNeck;
import dev.hybridvit.models.segmentation.SemanticFPN;
import dev.hybridvit.nn.Upsample;
import java.util.ArrayList;
import java.util.List;

/**
 * Semantic FPN as an ONNX graph: the backbone's stage outputs ({@link Emitters#emitStages}), the
 * FPN neck, the head and the final resize to the input size. Resizes are {@code Resize} nodes with
 * constant scales (no runtime {@code Shape}, so a dynamic batch stays possible): bilinear as
 * {@code linear}/{@code half_pixel} ({@code align_corners=False}), nearest as
 * {@code asymmetric}/{@code floor}, PyTorch's source index ⌊dst·in/out⌋.
 */
final class SegmentationGraph {
    private SegmentationGraph() {}

    static void addTo(Emitters.Table t) {
        t.add(SemanticFPN.class, SegmentationGraph::model)
                .addStages(SemanticFPN.class, (g, m, x) -> Emitters.emitStages(g, m.backbone, x))
                .add(ConvModule.class, SegmentationGraph::convModule)
                .add(Upsample.class, (g, m, x) -> {
                    long[] s = g.shape(x);
                    return resize(g, g.scopeOf(m), x, s[2] * m.scaleFactor, s[3] * m.scaleFactor, m.mode);
                });
    }

    private static String model(OnnxGraph g, SemanticFPN m, String x) {
        long[] in = g.shape(x);
        List<String> stages = Emitters.emitStages(g, m.backbone, x);
        Emitters.offerStages(g, stages.size(), stages::get);
        String logits = head(g, m.decodeHead, neck(g, m.neck, stages));
        return resize(g, "resize_logits", logits, in[2], in[3], Upsample.Mode.BILINEAR);
    }

    private static String convModule(OnnxGraph g, ConvModule m, String x) {
        x = emit(g, m.conv, x);
        if (m.bn != null) x = emit(g, m.bn, x);
        return m.act == null ? x : emit(g, m.act, x);
    }

    private static List<String> neck(OnnxGraph g, FPNNeck n, List<String> inputs) {
        String s = g.scopeOf(n);
        int levels = n.lateralConvs.size();
        String[] laterals = new String[levels];
        for (int i = 0; i < levels; i++) laterals[i] = emit(g, n.lateralConvs.get(i), inputs.get(i));
        for (int i = levels - 1; i > 0; i--) {
            long[] prev = g.shape(laterals[i - 1]);
            String up = resize(g, s + "/top_down" + i, laterals[i], prev[2], prev[3], Upsample.Mode.NEAREST);
            laterals[i - 1] = g.add(OnnxOp.ADD, s + "/top_down" + i, List.of(laterals[i - 1], up));
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < levels; i++) out.add(emit(g, n.fpnConvs.get(i), laterals[i]));
        return out;
    }

    private static String head(OnnxGraph g, FPNHead h, List<String> levels) {
        String s = g.scopeOf(h);
        String out = emit(g, h.scaleHeads.get(0), levels.get(0));
        long[] size = g.shape(out);
        for (int i = 1; i < h.scaleHeads.size(); i++) {
            String up = emit(g, h.scaleHeads.get(i), levels.get(i));
            up = resize(g, s + "/level" + i, up, size[2], size[3], Upsample.Mode.BILINEAR);
            out = g.add(OnnxOp.ADD, s + "/sum" + i, List.of(out, up));
        }
        return emit(g, h.convSeg, out); // channel dropout: identity in eval
    }

    /** {@code x} resized to height × width (the identity when it has that size). */
    static String resize(OnnxGraph g, String hint, String x, long height, long width, Upsample.Mode mode) {
        long[] s = g.shape(x);
        if (s[2] == height && s[3] == width) return x;
        String scales = g.floats(1f, 1f, (float) height / s[2], (float) width / s[3]);
        if (Math.floor(s[2] * (double) ((float) height / s[2])) != height
                || Math.floor(s[3] * (double) ((float) width / s[3])) != width) {
            throw new IllegalArgumentException(String.format(
                    "cannot export a resize from %dx%d to %dx%d with constant scales: use an input size that is a multiple of 32",
                    s[2], s[3], height, width));
        }
        List<String> inputs = List.of(x, g.floats(), scales);
        return mode == Upsample.Mode.BILINEAR
                ? g.add(
                        OnnxOp.RESIZE,
                        hint + "/resize",
                        inputs,
                        OnnxAttr.s("mode", "linear"),
                        OnnxAttr.s("coordinate_transformation_mode", "half_pixel"))
                : g.add(
                        OnnxOp.RESIZE,
                        hint + "/resize",
                        inputs,
                        OnnxAttr.s("mode", "nearest"),
                        OnnxAttr.s("coordinate_transformation_mode", "asymmetric"),
                        OnnxAttr.s("nearest_mode", "floor"));
    }
}
