package dev.hybridvit.export.quant;

import java.util.function.Predicate;

/**
 * What a static int8 export quantizes and how it calibrates.
 *
 * @param method          how activation ranges are chosen from the calibration values
 * @param percentile      the percentile kept by {@link CalibrationMethod#PERCENTILE} (e.g. 99.999)
 * @param attentionScores whether the activation × activation MatMuls of attention (scores q·kᵀ,
 *                        context p·v) run in int8 too; off by default (see docs/quantization.md)
 * @param quantizeNode    which Conv / MatMul nodes (by node name, the module's state-dict path
 *                        followed by the op) are quantized; the others stay float
 */
public record QuantOptions(
        CalibrationMethod method, double percentile, boolean attentionScores, Predicate<String> quantizeNode) {
    public QuantOptions {
        if (!(percentile > 50 && percentile <= 100))
            throw new IllegalArgumentException("percentile must be in (50, 100], got " + percentile);
    }

    public static QuantOptions defaults() {
        return new QuantOptions(CalibrationMethod.PERCENTILE, 99.999, false, name -> true);
    }

    public QuantOptions withMethod(CalibrationMethod m) {
        return new QuantOptions(m, percentile, attentionScores, quantizeNode);
    }

    public QuantOptions withAttentionScores(boolean a) {
        return new QuantOptions(method, percentile, a, quantizeNode);
    }

    public QuantOptions withQuantizeNode(Predicate<String> p) {
        return new QuantOptions(method, percentile, attentionScores, p);
    }
}
