package dev.hybridvit.export.quant;

import java.util.function.Predicate;

/**
 * What a static int8 export quantizes and how it calibrates.
 *
 * @param method          how activation ranges are chosen from the calibration values
 * @param percentile      the percentile kept by {@link CalibrationMethod#PERCENTILE} (e.g. 99.999)
 * @param attentionScores whether the activation × activation MatMuls of attention (scores q·kᵀ,
 *                        context p·v) run in int8 too; off by default (see docs/quantization.md)
 * @param residualAdds    whether an Add of two computed tensors (a residual connection) takes
 *                        int8 inputs and output, so that ONNX Runtime runs it as {@code QLinearAdd};
 *                        off by default: it cost CMT accuracy for no measurable speed
 * @param quantizeNode    which Conv / MatMul / Add nodes (by node name, the module's state-dict
 *                        path followed by the op) are quantized; the others stay float
 */
public record QuantOptions(
        CalibrationMethod method,
        double percentile,
        boolean attentionScores,
        boolean residualAdds,
        Predicate<String> quantizeNode) {
    public QuantOptions {
        if (!(percentile > 50 && percentile <= 100))
            throw new IllegalArgumentException("percentile must be in (50, 100], got " + percentile);
    }

    public static QuantOptions defaults() {
        return new QuantOptions(CalibrationMethod.PERCENTILE, 99.999, false, false, name -> true);
    }

    public QuantOptions withMethod(CalibrationMethod m) {
        return new QuantOptions(m, percentile, attentionScores, residualAdds, quantizeNode);
    }

    public QuantOptions withAttentionScores(boolean a) {
        return new QuantOptions(method, percentile, a, residualAdds, quantizeNode);
    }

    public QuantOptions withResidualAdds(boolean r) {
        return new QuantOptions(method, percentile, attentionScores, r, quantizeNode);
    }

    public QuantOptions withQuantizeNode(Predicate<String> p) {
        return new QuantOptions(method, percentile, attentionScores, residualAdds, p);
    }
}
