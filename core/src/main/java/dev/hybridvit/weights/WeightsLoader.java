package dev.hybridvit.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.PretrainedTag;
import dev.hybridvit.models.VisionModel;
import dev.hybridvit.nn.LoadReport;
import dev.hybridvit.nn.Parameter;
import dev.hybridvit.nn.StateDictException;
import dev.hybridvit.tensor.Printable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Loads a weights file into a model: reads it ({@link Weights}), recognises the key naming
 * ({@link KeyNaming}: official Next-ViT, timm Next-ViT, official CMT) and renames to the model's
 * names, lets the model adapt shapes ({@link VisionModel#adaptStateDict}), optionally re-initialises a
 * classifier whose class count differs, then checks and copies.
 *
 * <p>Strict mode (the default) refuses any missing, unexpected or mis-shaped key with a
 * {@link WeightsMismatchException} naming the file and the first offender of each kind; lenient
 * mode copies what fits and reports the rest. BatchNorm {@code num_batches_tracked} counters may
 * be absent from a file.
 */
public final class WeightsLoader {
    private WeightsLoader() {}

    /**
     * How to load.
     *
     * @param strict          refuse any missing, unexpected or mis-shaped key (default true)
     * @param resetClassifier the user asked for a class count of their own (CLI {@code --num-classes}):
     *                        a classifier of another shape stays freshly initialised instead of failing
     * @param preferEma       take EMA weights ({@code model_ema}, {@code state_dict_ema}, our {@code ema/}) when present
     */
    public record Options(boolean strict, boolean resetClassifier, boolean preferEma) {
        /** The default: every key must fit. */
        public static final Options STRICT = new Options(true, false, false);
        /** For fine-tuning: copy what fits, report the rest. */
        public static final Options LENIENT = new Options(false, false, false);

        public Options withResetClassifier(boolean on) {
            return new Options(strict, on, preferEma);
        }

        public Options withPreferEma(boolean on) {
            return new Options(strict, resetClassifier, on);
        }
    }

    /**
     * What a load did.
     *
     * @param location      where the state dict was in the file ({@code ""} = top level, {@code "model"}, …)
     * @param naming        the key naming recognised, or null if none was
     * @param loaded        tensors copied into the model
     * @param report        keys skipped: missing (left as initialised), unexpected, mis-shaped
     * @param reinitialized classifier keys left freshly initialised because the class count differs
     * @param notes         everything else worth telling (prefix removed, keys renamed, bias interpolated)
     * @param metadata      the file's metadata (safetensors {@code __metadata__}, scalar checkpoint entries)
     */
    public record Result(
            Path file,
            String format,
            String location,
            KeyNaming naming,
            int loaded,
            LoadReport report,
            List<String> reinitialized,
            List<String> notes,
            Map<String, String> metadata) {
        /** True if every model tensor came from the file. */
        public boolean isComplete() {
            return report.isClean() && reinitialized.isEmpty();
        }

        /** A few lines for logs and the CLI. */
        public String describe() {
            StringBuilder sb = new StringBuilder();
            sb.append("loaded ")
                    .append(loaded)
                    .append(" tensors from ")
                    .append(file.getFileName())
                    .append(" (")
                    .append(format);
            if (naming != null) sb.append(", ").append(naming.label()).append(" names");
            if (!location.isEmpty())
                sb.append(", state dict under '").append(location).append("'");
            sb.append(")");
            for (String n : notes) sb.append("\n  note: ").append(Printable.escape(n));
            if (!reinitialized.isEmpty()) {
                sb.append("\n  classifier re-initialised for the new class count: ")
                        .append(String.join("; ", reinitialized));
            }
            if (!report.isClean()) {
                for (String line : report.describe().split("\n"))
                    sb.append("\n  skipped: ").append(line);
            }
            return sb.toString();
        }
    }

    /** A model built from one of our checkpoints, and how its weights were loaded. */
    public record Loaded(VisionModel model, Result result) {}

    /** Strict load of {@code file} into {@code model}. */
    public static Result load(VisionModel model, Path file) throws IOException {
        return load(model, file, Options.STRICT);
    }

    /**
     * Strict load of {@code file} as the weights released under {@code tag} into {@code model} (built
     * from {@link PretrainedTag#spec()}); a file whose keys or shapes do not fit names the file and the tag.
     */
    public static Result loadPretrained(VisionModel model, Path file, PretrainedTag tag) throws IOException {
        try {
            return load(model, file, Options.STRICT);
        } catch (StateDictException | WeightsFormatException e) {
            String why = e instanceof StateDictException s
                    ? s.report().describe().replace("\n", "; ")
                    : e.getMessage().replace(file + ": ", "");
            throw new IllegalArgumentException(
                    file + " does not fit pretrained " + tag.name() + " (" + tag.model() + ", " + tag.numClasses()
                            + " classes, expected " + (tag.fileName().isEmpty() ? "the file" : tag.fileName())
                            + " from " + tag.url() + "): " + why,
                    e);
        }
    }

    /** Loads {@code file} into {@code model} (which must be built). */
    public static Result load(VisionModel model, Path file, Options options) throws IOException {
        NDManager owner = requireBuilt(model);
        try (NDManager scratch = owner.newSubManager()) {
            Weights.Source source = Weights.read(file, scratch, options.preferEma());
            return load(model, source, options, scratch);
        }
    }

    /**
     * Loads tensors already in memory (e.g. {@link Checkpoint.Contents#ema()}); {@code source.file()}
     * names them in messages. New arrays (renaming never copies; adapters may) go to {@code scratch}.
     */
    public static Result load(VisionModel model, Weights.Source source, Options options, NDManager scratch) {
        requireBuilt(model);
        Path file = source.file();
        String family = model.spec().family();
        LinkedHashMap<String, Parameter> slots = model.namedSlots();
        List<String> notes = new ArrayList<>(source.notes());
        LinkedHashMap<String, NDArray> tensors = new LinkedHashMap<>(source.tensors());
        String hint = "";

        KeyNaming naming = KeyNaming.detect(tensors.keySet()).orElse(null);
        if (naming != null && !naming.family().equals(family)) {
            long known = tensors.keySet().stream().filter(slots::containsKey).count();
            if (known * 2 < tensors.size()) {
                throw new WeightsFormatException(
                        file,
                        "looks like a checkpoint with " + naming.label() + " names (" + tensors.size()
                                + " tensors, e.g. '" + firstMatching(tensors, naming) + "'), but "
                                + model.spec().name() + " is a "
                                + family + " model");
            }
            naming = null;
        }
        if (naming != null && !naming.isIdentity()) {
            KeyNaming.StageLayout layout = null;
            if (naming.needsStageLayout()) {
                KeyNaming.StageLayout fromModel = naming.layoutOf(model).orElse(null);
                KeyNaming.StageLayout fromFile =
                        naming.layoutOf(tensors.keySet()).orElse(null);
                layout = fromModel != null ? fromModel : fromFile;
                if (fromModel != null && fromFile != null && !fromModel.equals(fromFile)) {
                    hint = "The checkpoint's stages have " + fromFile + " blocks, "
                            + model.spec().name() + "'s have " + fromModel + ": it is a different variant";
                }
            }
            LinkedHashMap<String, NDArray> renamed = new LinkedHashMap<>();
            for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
                String k = e.getKey();
                try {
                    k = naming.toOurs(k, layout);
                } catch (IllegalArgumentException outOfLayout) {
                    // a block the model does not have: keep the name, the check reports it as unexpected
                }
                if (renamed.put(k, e.getValue()) != null) {
                    throw new WeightsFormatException(
                            file, "two keys map to '" + k + "' after renaming from " + naming.label() + " names");
                }
            }
            tensors = renamed;
            notes.add("renamed keys from " + naming.label() + " names to the official names");
        }

        final LinkedHashMap<String, NDArray> mapped = tensors;
        Map<String, Shape> target = new LinkedHashMap<>();
        slots.forEach((k, p) -> target.put(k, p.shape()));
        model.adaptStateDict(mapped, target, scratch, notes);

        List<String> reinitialized = new ArrayList<>();
        String classifier = KeyNaming.CLASSIFIER_PREFIX.get(family);
        if (classifier != null) {
            List<String> clsKeys = slots.keySet().stream()
                    .filter(k -> k.startsWith(classifier))
                    .toList();
            boolean differs = clsKeys.stream()
                    .anyMatch(k -> mapped.get(k) != null
                            && !mapped.get(k).getShape().equals(slots.get(k).shape()));
            if (differs && options.resetClassifier()) {
                for (String k : clsKeys) {
                    NDArray v = tensors.remove(k);
                    reinitialized.add(k + " (file " + (v == null ? "none" : v.getShape()) + ", model "
                            + slots.get(k).shape() + ")");
                }
            } else if (differs) {
                hint = join(
                        hint,
                        "The checkpoint's classifier (" + classifier + "*) has another class count than "
                                + model.spec().name() + " built with " + model.numClasses()
                                + " classes; to fine-tune, load with "
                                + "resetClassifier (CLI: --num-classes " + model.numClasses() + ")");
            }
        }

        List<String> missing = new ArrayList<>(), unexpected = new ArrayList<>(), mismatched = new ArrayList<>();
        for (Map.Entry<String, Parameter> e : slots.entrySet()) {
            String k = e.getKey();
            NDArray v = tensors.get(k);
            if (v == null) {
                if (!k.endsWith("num_batches_tracked") && !(reinitialized.size() > 0 && k.startsWith(classifier)))
                    missing.add(k);
            } else if (!v.getShape().equals(e.getValue().shape())) {
                mismatched.add(k + ": file has " + v.getShape() + ", model expects "
                        + e.getValue().shape());
            }
        }
        for (String k : tensors.keySet()) if (!slots.containsKey(k)) unexpected.add(k);
        LoadReport report = new LoadReport(missing, unexpected, mismatched);
        if (naming == null && !report.isClean()) {
            hint = join(hint, "The key names match no known convention (" + conventions() + ")");
        }
        if (options.strict() && !report.isClean()) {
            throw new WeightsMismatchException(file, model.spec().name(), context(source, naming), report, hint);
        }
        int loaded = 0;
        for (Map.Entry<String, Parameter> e : slots.entrySet()) {
            NDArray v = tensors.get(e.getKey());
            if (v != null && v.getShape().equals(e.getValue().shape())) {
                e.getValue().copyFrom(v);
                loaded++;
            }
        }
        return new Result(
                file,
                source.format(),
                source.location(),
                naming,
                loaded,
                report,
                reinitialized,
                notes,
                source.metadata());
    }

    /**
     * Builds the model one of our checkpoints names, with the options it records, and loads it
     * strictly ({@link Checkpoint}: no model name or flags needed). A checkpoint of a deploy-form
     * model is loaded into a reparameterized model.
     */
    public static Loaded createModel(Path file, long seed) throws IOException {
        Checkpoint.Info info = Checkpoint.info(file)
                .orElseThrow(() -> new WeightsFormatException(
                        file, "has no model name (not a hybridvit checkpoint): name the model to load it into"));
        VisionModel model = ModelRegistry.get(info.model()).create(info.options(), seed);
        try {
            if (info.reparameterized()) model.reparameterize();
            return new Loaded(model, load(model, file, Options.STRICT));
        } catch (IOException | RuntimeException e) {
            model.close();
            throw e;
        }
    }

    private static NDManager requireBuilt(VisionModel model) {
        NDManager m = model.manager();
        var slots = model.namedSlots().values();
        // a backbone built as part of a larger model (Semantic FPN) lives in its owner's manager
        if (m == null && !slots.isEmpty() && slots.iterator().next().isMaterialized())
            m = slots.iterator().next().value().getManager();
        if (m == null)
            throw new IllegalStateException(model.spec().name() + " has no weights yet: build it before loading");
        return m;
    }

    private static String context(Weights.Source s, KeyNaming naming) {
        List<String> parts = new ArrayList<>();
        parts.add(s.format());
        if (naming != null) parts.add(naming.label() + " names");
        if (!s.location().isEmpty()) parts.add("state dict under '" + s.location() + "'");
        return String.join(", ", parts);
    }

    private static String firstMatching(Map<String, NDArray> tensors, KeyNaming naming) {
        return tensors.keySet().stream()
                .filter(k -> KeyNaming.detect(List.of(k)).orElse(null) == naming)
                .findFirst()
                .orElse("?");
    }

    private static String conventions() {
        List<String> out = new ArrayList<>();
        for (KeyNaming n : KeyNaming.values()) out.add(n.label());
        return String.join(", ", out);
    }

    private static String join(String a, String b) {
        return a.isEmpty() ? b : a + ". " + b;
    }

    /**
     * Strict (or lenient) load into a headless backbone ({@link VisionModel#isHeadless()}): the
     * classifier's keys a classification checkpoint carries (those {@link VisionModel#partOf} files
     * under {@code head} and the backbone lacks) are dropped first, with a note.
     */
    public static Result loadBackbone(VisionModel backbone, Path file, Options options) throws IOException {
        NDManager owner = requireBuilt(backbone);
        try (NDManager scratch = owner.newSubManager()) {
            Weights.Source source = Weights.read(file, scratch, options.preferEma());
            var slots = backbone.namedSlots().keySet();
            int before = source.tensors().size();
            source.tensors()
                    .keySet()
                    .removeIf(k -> !slots.contains(k) && backbone.partOf(k).equals("head"));
            int dropped = before - source.tensors().size();
            if (dropped > 0)
                source.notes().add("ignored the classifier's " + dropped + " tensors (a headless backbone)");
            return load(backbone, source, options, scratch);
        }
    }
}
