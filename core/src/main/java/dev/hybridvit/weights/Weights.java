package dev.hybridvit.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;

/** Reads a weights file of any supported format into a name → array map, choosing by extension. */
public final class Weights {
    private Weights() {}

    public static LinkedHashMap<String, NDArray> read(Path file, NDManager manager) throws IOException {
        if (!Files.isRegularFile(file)) throw new WeightsFormatException(file, "no such file");
        String name = file.getFileName().toString().toLowerCase();
        if (name.endsWith(".safetensors")) return SafeTensors.read(file, manager);
        throw new WeightsFormatException(file, "unsupported weights format (supported: .safetensors)");
    }
}
