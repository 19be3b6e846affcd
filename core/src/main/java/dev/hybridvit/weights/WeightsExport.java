package dev.hybridvit.weights;

import ai.djl.ndarray.NDArray;
import dev.hybridvit.models.VisionModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Exports a model's weights for other code: under the official key names (what the official
 * PyTorch repositories' {@code load_state_dict} expects) or another known convention (timm), as
 * {@code .safetensors}, a {@code torch.load}-able {@code .pth}/{@code .pt}/{@code .bin}, or
 * {@code .npz}, chosen by the extension. Every write is atomic.
 */
public final class WeightsExport {
    private WeightsExport() {}

    /** Writes {@code model}'s weights under its family's official names. */
    public static void write(VisionModel model, Path file) throws IOException {
        write(model, file, null);
    }

    /** Writes {@code model}'s weights under {@code naming} (null = official names of its family). */
    public static void write(VisionModel model, Path file, KeyNaming naming) throws IOException {
        write(stateDict(model, naming), file);
    }

    /** {@code model}'s state dict (live arrays) renamed to {@code naming} (null = official = as is). */
    public static LinkedHashMap<String, NDArray> stateDict(VisionModel model, KeyNaming naming) {
        LinkedHashMap<String, NDArray> ours = model.stateDict();
        if (naming == null || naming.isIdentity()) return ours;
        if (!naming.family().equals(model.spec().family())) {
            throw new IllegalArgumentException(naming.label() + " names are for " + naming.family() + " models, not "
                    + model.spec().name());
        }
        return naming.fromOurs(ours, naming.layoutOf(model).orElse(null));
    }

    /** Writes named tensors in the format the extension of {@code file} names. */
    public static void write(Map<String, NDArray> tensors, Path file) throws IOException {
        String n = file.getFileName().toString().toLowerCase();
        if (n.endsWith(".safetensors")) SafeTensors.write(file, tensors, Map.of("format", "pt"));
        else if (n.endsWith(".pth") || n.endsWith(".pt") || n.endsWith(".bin")) PthWriter.write(file, tensors);
        else if (n.endsWith(".npz")) Npz.write(file, tensors);
        else
            throw new IllegalArgumentException("cannot tell the export format from '" + file.getFileName()
                    + "': use .safetensors, .pth (or .pt/.bin) or .npz");
    }
}
