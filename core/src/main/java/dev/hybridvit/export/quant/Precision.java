package dev.hybridvit.export.quant;

import java.util.Locale;

/** Numeric precision of an exported graph: float32, float16 (weights and activations) or static int8 (QDQ). */
public enum Precision {
    FP32,
    FP16,
    INT8;

    public static Precision parse(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        return switch (t) {
            case "fp32", "float32", "float" -> FP32;
            case "fp16", "float16", "half" -> FP16;
            case "int8", "qdq" -> INT8;
            default -> throw new IllegalArgumentException("precision '" + s + "': expected fp32, fp16 or int8");
        };
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
