package dev.hybridvit.weights;

/** IEEE 754 binary16 ↔ binary32 conversion (Java 17 has no {@code Float.float16ToFloat}). */
final class HalfFloats {
    private HalfFloats() {}

    /** Exact widening of a half-precision bit pattern (subnormals, infinities and NaN payloads kept). */
    static float halfToFloat(short bits) {
        int h = bits & 0xffff;
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1f;
        int mant = h & 0x3ff;
        if (exp == 0x1f) return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        if (exp != 0) return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
        if (mant == 0) return Float.intBitsToFloat(sign);
        // subnormal half: value = mant * 2^-24, normal as a float
        int shift = Integer.numberOfLeadingZeros(mant) - 21; // bring the leading 1 to bit 10
        mant = (mant << shift) & 0x3ff;
        return Float.intBitsToFloat(sign | ((113 - shift) << 23) | (mant << 13));
    }
}
