package dev.hybridvit.export.quant;

import java.util.Locale;

/**
 * How an activation's int8 range is chosen from its calibration values: the observed extremes
 * ({@code minmax}), the tails cut at a percentile ({@code percentile}, 99.999 % by default, as
 * ONNX Runtime's calibrator), or the clipping threshold that minimises the KL divergence between
 * the value histogram and its quantized form ({@code entropy}, TensorRT's int8 calibration).
 */
public enum CalibrationMethod {
    MINMAX,
    PERCENTILE,
    ENTROPY;

    public static CalibrationMethod parse(String s) {
        for (CalibrationMethod m : values()) if (m.name().equalsIgnoreCase(s.trim())) return m;
        throw new IllegalArgumentException("calibration method '" + s + "': expected minmax, percentile or entropy");
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
