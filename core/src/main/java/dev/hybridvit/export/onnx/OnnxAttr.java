package dev.hybridvit.export.onnx;

import java.util.List;

/** A node attribute of an ONNX graph: an int, a float, a string or a list of ints. */
public record OnnxAttr(String name, Object value) {
    public static OnnxAttr i(String name, long v) {
        return new OnnxAttr(name, v);
    }

    public static OnnxAttr f(String name, double v) {
        return new OnnxAttr(name, (float) v);
    }

    public static OnnxAttr s(String name, String v) {
        return new OnnxAttr(name, v);
    }

    public static OnnxAttr ints(String name, long... v) {
        return new OnnxAttr(name, v.clone());
    }

    static long[] ints(List<OnnxAttr> attrs, String name, long[] fallback) {
        for (OnnxAttr a : attrs) if (a.name.equals(name)) return (long[]) a.value;
        return fallback;
    }

    static long integer(List<OnnxAttr> attrs, String name, long fallback) {
        for (OnnxAttr a : attrs) if (a.name.equals(name)) return (Long) a.value;
        return fallback;
    }
}
