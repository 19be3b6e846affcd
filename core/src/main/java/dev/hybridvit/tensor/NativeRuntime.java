package dev.hybridvit.tensor;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Settings of the native libraries that must be in place before libtorch computes anything.
 *
 * <p>On AMD CPUs the oneDNN convolutions of the libtorch 2.7.1 build, in their AVX, AVX2 and
 * AVX-512 variants, compute wrong results (CMT's logits 9 % off the official code) or die with a
 * divide-by-zero while planning a 1×1 convolution; the SSE4.1 variants match the official code.
 * So on an AMD CPU, unless the user has chosen an ISA, oneDNN's own switch {@code
 * ONEDNN_MAX_CPU_ISA} is set in this process's environment; oneDNN reads it at its first
 * convolution. docs/verification.md has the measurements.
 */
public final class NativeRuntime {
    static final String ISA_VARIABLE = "ONEDNN_MAX_CPU_ISA";
    private static boolean configured;

    private NativeRuntime() {}

    private interface LibC extends Library {
        int setenv(String name, String value, int overwrite);
    }

    /** Applies the settings once; cheap to call again. */
    public static synchronized void configure() {
        if (configured) return;
        configured = true;
        if (System.getenv(ISA_VARIABLE) == null && isAmd()) {
            Native.load("c", LibC.class).setenv(ISA_VARIABLE, "SSE41", 0);
        }
    }

    private static boolean isAmd() {
        try {
            return Files.readString(Path.of("/proc/cpuinfo")).contains("AuthenticAMD");
        } catch (IOException | SecurityException e) {
            return false;
        }
    }
}
