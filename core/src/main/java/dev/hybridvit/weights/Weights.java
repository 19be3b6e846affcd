package dev.hybridvit.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The single entry point for reading weights files: {@code .safetensors}, {@code .pth}/{@code .pt}/
 * {@code .bin} (PyTorch zip checkpoints), {@code .npz}, and the project's own checkpoints. The
 * format is recognised from the file's content (the extension only phrases errors), the state dict
 * is found at the top level or under {@code model}, {@code state_dict}, {@code model_ema},
 * {@code state_dict_ema}, and a {@code module.} (DataParallel) or {@code _orig_mod.}
 * ({@code torch.compile}) prefix is removed. Key names are returned as the file has them;
 * {@link WeightsLoader} maps them to a model's names.
 */
public final class Weights {
    /** Where training scripts nest the weights, most usual first. */
    static final List<String> NESTED = List.of("model", "state_dict", "model_ema", "state_dict_ema");

    private static final List<String> PREFIXES = List.of("module.", "_orig_mod.");

    private Weights() {}

    /**
     * What was read from a weights file: its tensors (under the file's key names), the format,
     * where in the file the state dict was ({@code ""} = top level, else e.g. {@code "model"}),
     * string metadata (safetensors {@code __metadata__}, or scalar entries beside a nested state
     * dict such as {@code epoch}) and notes for the load report.
     */
    public record Source(
            Path file,
            String format,
            String location,
            LinkedHashMap<String, NDArray> tensors,
            Map<String, String> metadata,
            List<String> notes) {}

    /** The state dict of {@code file} in {@code manager}, under the file's key names (prefix stripped). */
    public static LinkedHashMap<String, NDArray> read(Path file, NDManager manager) throws IOException {
        return read(file, manager, false).tensors();
    }

    /** Reads the state dict; {@code preferEma} picks {@code model_ema}/{@code state_dict_ema}/EMA weights when present. */
    public static Source read(Path file, NDManager manager, boolean preferEma) throws IOException {
        if (!Files.isRegularFile(file)) throw new WeightsFormatException(file, "no such file");
        Source s = switch (FileKinds.kind(file)) {
            case ZIP -> readZip(file, manager, preferEma);
            case SAFETENSORS -> readSafeTensors(file, manager, preferEma);
            case NPY ->
                throw new WeightsFormatException(
                        file,
                        "a single NumPy .npy array is not a weights file; save the state "
                                + "dict with np.savez (.npz), safetensors or torch.save");
            case LEGACY_PICKLE, OTHER ->
                throw new WeightsFormatException(
                        file,
                        "not a weights file (expected " + expected(file) + "): the file is "
                                + FileKinds.describe(file));
        };
        return stripPrefix(s);
    }

    private static String expected(Path file) {
        String n = file.getFileName().toString().toLowerCase();
        if (n.endsWith(".safetensors")) return "safetensors";
        if (n.endsWith(".pth") || n.endsWith(".pt") || n.endsWith(".bin")) return "a PyTorch zip checkpoint";
        if (n.endsWith(".npz")) return "a NumPy .npz archive";
        return ".safetensors, .pth/.pt/.bin or .npz";
    }

    private static Source readZip(Path file, NDManager manager, boolean preferEma) throws IOException {
        boolean npz;
        try (var zip = TorchCheckpoint.openZip(file)) {
            npz = zip.stream().anyMatch(e -> e.getName().endsWith(".npy"))
                    && zip.stream().noneMatch(e -> e.getName().endsWith("data.pkl"));
        }
        if (npz) return new Source(file, "npz", "", Npz.read(file, manager), Map.of(), new ArrayList<>());
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(file)) {
            List<String> notes = new ArrayList<>();
            Map<String, String> meta = new LinkedHashMap<>();
            String[] location = new String[1];
            Map<?, ?> dict = locate(file, ckpt.root(), preferEma, location, notes, meta);
            return new Source(file, "pth", location[0], ckpt.tensors(dict, manager), meta, notes);
        }
    }

    /** Finds the state dict in a checkpoint's object tree. */
    static Map<?, ?> locate(
            Path file,
            Object root,
            boolean preferEma,
            String[] location,
            List<String> notes,
            Map<String, String> meta) {
        if (!(root instanceof Map<?, ?> top)) {
            throw new WeightsFormatException(
                    file, "the checkpoint holds a " + describe(root) + ", not a dict of tensors");
        }
        if (isStateDict(top)) {
            location[0] = "";
            return top;
        }
        top.forEach((k, v) -> {
            if (v instanceof String || v instanceof Number || v instanceof Boolean)
                meta.put(String.valueOf(k), String.valueOf(v));
        });
        List<String> order = new ArrayList<>(NESTED);
        if (preferEma) {
            order.remove("model_ema");
            order.remove("state_dict_ema");
            order.addAll(0, List.of("model_ema", "state_dict_ema"));
        }
        for (String key : order) {
            Object v = top.get(key);
            if (v instanceof Map<?, ?> m && isStateDict(m)) {
                if (preferEma && !key.contains("ema"))
                    notes.add("no EMA weights in the checkpoint (model_ema is " + describe(top.get("model_ema"))
                            + "); loaded '" + key + "'");
                location[0] = key;
                return m;
            }
            if (v instanceof Map<?, ?> m && !m.isEmpty()) {
                Object bad = m.entrySet().stream()
                        .filter(e -> !(e.getValue() instanceof PickledTensor))
                        .findFirst()
                        .orElseThrow();
                throw new WeightsFormatException(
                        file,
                        "'" + key + "' is a dict but not a state dict: entry '" + ((Map.Entry<?, ?>) bad).getKey()
                                + "' is not a tensor (" + describe(((Map.Entry<?, ?>) bad).getValue()) + ")");
            }
        }
        List<String> keys = top.keySet().stream().map(String::valueOf).limit(20).toList();
        throw new WeightsFormatException(
                file,
                "no state dict found: the top-level keys are " + keys
                        + "; expected tensors at the top level or under one of " + NESTED);
    }

    private static boolean isStateDict(Map<?, ?> m) {
        return !m.isEmpty() && m.values().stream().allMatch(v -> v instanceof PickledTensor);
    }

    private static String describe(Object o) {
        if (o == null) return "None";
        if (o instanceof Map) return "dict";
        if (o instanceof List) return "list";
        if (o instanceof Object[]) return "tuple";
        if (o instanceof PickledObject p) return p.className();
        if (o instanceof PickledTensor) return "tensor";
        if (o instanceof Integer || o instanceof Long || o instanceof java.math.BigInteger) return "int";
        if (o instanceof Double) return "float";
        if (o instanceof String) return "str";
        if (o instanceof Boolean) return "bool";
        return o.getClass().getSimpleName();
    }

    private static Source readSafeTensors(Path file, NDManager manager, boolean preferEma) throws IOException {
        LinkedHashMap<String, NDArray> all = SafeTensors.read(file, manager); // validates the header first
        Map<String, String> meta = SafeTensors.metadata(file);
        if (!Checkpoint.FORMAT.equals(meta.get(Checkpoint.META_FORMAT))) {
            return new Source(file, "safetensors", "", all, meta, new ArrayList<>());
        }
        // the project's own checkpoint: model weights, plus optimizer/ and ema/ sections
        List<String> notes = new ArrayList<>();
        boolean hasEma = all.keySet().stream().anyMatch(k -> k.startsWith(Checkpoint.EMA_PREFIX));
        String section = preferEma && hasEma ? Checkpoint.EMA_PREFIX : "";
        if (preferEma && !hasEma) notes.add("no EMA weights in the checkpoint; loaded the model weights");
        LinkedHashMap<String, NDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : all.entrySet()) {
            String k = e.getKey();
            boolean model = !k.contains("/");
            if (section.isEmpty() ? model : k.startsWith(section)) out.put(k.substring(section.length()), e.getValue());
            else e.getValue().close();
        }
        return new Source(file, "hybridvit checkpoint", section.isEmpty() ? "" : "ema", out, meta, notes);
    }

    private static Source stripPrefix(Source s) {
        for (String p : PREFIXES) {
            if (!s.tensors().isEmpty() && s.tensors().keySet().stream().allMatch(k -> k.startsWith(p))) {
                LinkedHashMap<String, NDArray> out = new LinkedHashMap<>();
                s.tensors().forEach((k, v) -> out.put(k.substring(p.length()), v));
                s.notes().add("removed the '" + p + "' prefix from every key");
                s = new Source(s.file(), s.format(), s.location(), out, s.metadata(), s.notes());
            }
        }
        return s;
    }
}
