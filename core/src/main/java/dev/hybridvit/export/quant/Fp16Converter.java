package dev.hybridvit.export.quant;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A float32 graph as float16: every float initializer converted (round to nearest even), the
 * computation in float16 throughout. Input and output stay float32 behind a Cast each, or become
 * float16 themselves ({@code halfIo}). Runtimes without a float16 kernel for an op (ONNX Runtime's
 * CPU provider for most) insert the casts themselves.
 */
final class Fp16Converter {
    static final int FLOAT = TensorProto.DataType.FLOAT.getNumber(), FLOAT16 = TensorProto.DataType.FLOAT16.getNumber();

    private Fp16Converter() {}

    static ModelProto convert(ModelProto model, boolean halfIo) {
        GraphProto g = model.getGraph();
        GraphProto.Builder ng = g.toBuilder().clearInitializer().clearNode();
        for (TensorProto t : g.getInitializerList()) ng.addInitializer(t.getDataType() == FLOAT ? half(t) : t);
        if (halfIo) {
            for (int i = 0; i < ng.getInputCount(); i++) ng.setInput(i, retype(ng.getInput(i), FLOAT16));
            for (int i = 0; i < ng.getOutputCount(); i++) ng.setOutput(i, retype(ng.getOutput(i), FLOAT16));
            ng.addAllNode(g.getNodeList());
        } else {
            String in = g.getInput(0).getName(), out = g.getOutput(0).getName();
            String in16 = in + "_fp16", out16 = out + "_fp16";
            ng.addNode(cast(in, in16, FLOAT16));
            for (NodeProto n : g.getNodeList()) {
                NodeProto.Builder b = n.toBuilder();
                for (int k = 0; k < b.getInputCount(); k++) if (b.getInput(k).equals(in)) b.setInput(k, in16);
                for (int k = 0; k < b.getOutputCount(); k++) if (b.getOutput(k).equals(out)) b.setOutput(k, out16);
                ng.addNode(b);
            }
            ng.addNode(cast(out16, out, FLOAT));
        }
        return model.toBuilder().setGraph(ng).build();
    }

    private static NodeProto cast(String from, String to, int type) {
        return NodeProto.newBuilder()
                .setOpType("Cast")
                .setName(to + "/Cast")
                .addInput(from)
                .addOutput(to)
                .addAttribute(AttributeProto.newBuilder()
                        .setName("to")
                        .setType(AttributeProto.AttributeType.INT)
                        .setI(type))
                .build();
    }

    private static ValueInfoProto retype(ValueInfoProto v, int type) {
        ValueInfoProto.Builder b = v.toBuilder();
        b.getTypeBuilder().getTensorTypeBuilder().setElemType(type);
        return b.build();
    }

    private static TensorProto half(TensorProto t) {
        float[] v = QdqQuantizer.floatsOf(t);
        ByteBuffer buf = ByteBuffer.allocate(2 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) buf.putShort(toHalf(x));
        return t.toBuilder()
                .clearFloatData()
                .setDataType(FLOAT16)
                .setRawData(ByteString.copyFrom(buf.array()))
                .build();
    }

    /** IEEE 754 binary16 bits of {@code f}, rounded to nearest even (as Java 20's Float.floatToFloat16). */
    static short toHalf(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exp = (bits >>> 23) & 0xff;
        int mant = bits & 0x7fffff;
        if (exp == 0xff) return (short) (sign | 0x7c00 | (mant != 0 ? 0x200 : 0)); // Inf / NaN
        int e = exp - 127 + 15;
        if (e >= 0x1f) return (short) (sign | 0x7c00); // overflow → Inf
        if (e <= 0) {
            if (e < -10) return (short) sign; // underflow → ±0
            mant |= 0x800000; // subnormal half
            int shift = 14 - e;
            int half = mant >>> shift;
            int rem = mant & ((1 << shift) - 1), mid = 1 << (shift - 1);
            if (rem > mid || (rem == mid && (half & 1) != 0)) half++;
            return (short) (sign | half);
        }
        int half = (e << 10) | (mant >>> 13);
        int rem = mant & 0x1fff;
        if (rem > 0x1000 || (rem == 0x1000 && (half & 1) != 0)) half++; // may carry into the exponent: correct
        return (short) (sign | half);
    }

    /** The float value of binary16 bits (for checks). */
    static float fromHalf(short h) {
        int sign = (h & 0x8000) << 16, exp = (h >>> 10) & 0x1f, mant = h & 0x3ff;
        if (exp == 0x1f) return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        if (exp == 0) {
            float v = mant / 1024f * (float) Math.pow(2, -14);
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }
}
