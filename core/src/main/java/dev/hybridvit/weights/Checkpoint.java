package dev.hybridvit.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.VisionModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The project's own training checkpoint: one safetensors file holding the model weights under
 * their state-dict names, optional optimizer state under {@code optimizer/…} and EMA weights under
 * {@code ema/…} (a {@code /} never occurs in a module name, so the sections cannot collide), and
 * {@code __metadata__} with the model name, the full build configuration as JSON, the class
 * names and the epoch — enough to rebuild the model without flags and to resume training.
 * Written atomically ({@link AtomicFiles}): an interrupted save leaves the previous file intact.
 */
public final class Checkpoint {
    /** Value of {@link #META_FORMAT} in our files. */
    public static final String FORMAT = "hybridvit.checkpoint";

    static final String META_FORMAT = "format",
            META_VERSION = "format_version",
            META_MODEL = "model",
            META_CONFIG = "config",
            META_CLASSES = "class_names",
            META_EPOCH = "epoch",
            META_EXTRA = "extra";
    public static final String OPTIMIZER_PREFIX = "optimizer/";
    public static final String EMA_PREFIX = "ema/";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Bounds on what a checkpoint may ask to build (ImageNet-22k has 21,841 classes). */
    private static final int MAX_CLASSES = 100_000, MAX_IMAGE_SIZE = 4096;

    private Checkpoint() {}

    /**
     * What a checkpoint says about itself.
     *
     * @param model      registered model name ({@code nextvit_small})
     * @param options    the options the model was built with (class count, image size, drop-path)
     * @param classNames class labels in logit order, empty if unknown
     * @param epoch      epochs completed, -1 if not from training
     * @param reparameterized the weights are the deploy form (BN folded): load them into a reparameterized model
     * @param extra      free-form training state (learning-rate schedule position, optimizer
     *                   hyper-parameters, scalar optimizer state), kept as JSON
     */
    public record Info(
            String model,
            ModelOptions options,
            List<String> classNames,
            long epoch,
            boolean reparameterized,
            Map<String, Object> extra) {}

    /** A checkpoint read into memory; closing it frees all its arrays. */
    public record Contents(
            Info info,
            LinkedHashMap<String, NDArray> model,
            LinkedHashMap<String, NDArray> optimizer,
            LinkedHashMap<String, NDArray> ema)
            implements AutoCloseable {
        @Override
        public void close() {
            model.values().forEach(NDArray::close);
            optimizer.values().forEach(NDArray::close);
            ema.values().forEach(NDArray::close);
        }
    }

    /** Saves the weights of {@code model} with its name and options (no training state). */
    public static void save(Path file, VisionModel model) throws IOException {
        save(file, model, List.of(), -1, null, null, null);
    }

    /**
     * Saves {@code model} and optional training state atomically.
     *
     * @param optimizer optimizer tensors by name (e.g. {@code exp_avg.features.0.mlp.conv1.weight}), or null
     * @param ema       EMA weights under the model's state-dict names, or null
     * @param extra     JSON-serialisable training state, or null
     */
    public static void save(
            Path file,
            VisionModel model,
            List<String> classNames,
            long epoch,
            Map<String, NDArray> optimizer,
            Map<String, NDArray> ema,
            Map<String, ?> extra)
            throws IOException {
        if (classNames != null && !classNames.isEmpty() && classNames.size() != model.numClasses()) {
            throw new IllegalArgumentException(
                    classNames.size() + " class names for a model with " + model.numClasses() + " classes");
        }
        LinkedHashMap<String, NDArray> tensors = new LinkedHashMap<>(model.stateDict());
        if (optimizer != null) optimizer.forEach((k, v) -> tensors.put(OPTIMIZER_PREFIX + k, v));
        if (ema != null) ema.forEach((k, v) -> tensors.put(EMA_PREFIX + k, v));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(META_FORMAT, FORMAT);
        meta.put(META_VERSION, "1");
        meta.put(META_MODEL, model.spec().name());
        meta.put(META_CONFIG, config(model));
        meta.put(META_CLASSES, JSON.writeValueAsString(classNames == null ? List.of() : classNames));
        meta.put(META_EPOCH, Long.toString(epoch));
        meta.put(META_EXTRA, JSON.writeValueAsString(extra == null ? Map.of() : extra));
        SafeTensors.write(file, tensors, meta);
    }

    private static String config(VisionModel model) throws JsonProcessingException {
        ObjectNode c = JSON.createObjectNode();
        ModelOptions o = model.options();
        c.put("model", model.spec().name());
        c.put("family", model.spec().family());
        c.put("num_classes", o.numClasses());
        c.put("image_size", o.imageSize());
        c.put("resolved_image_size", model.imageSize());
        c.put("drop_path", o.dropPath());
        if (o.frozenStages() > 0) c.put("frozen_stages", o.frozenStages());
        if (o.normEval()) c.put("norm_eval", true);
        c.put("param_count", model.parameterCount());
        c.put("reparameterized", model.isReparameterized());
        return JSON.writeValueAsString(c);
    }

    /** The metadata of {@code file} if it is one of our checkpoints (reads only the header). */
    public static Optional<Info> info(Path file) throws IOException {
        if (!Files.isRegularFile(file) || FileKinds.kind(file) != FileKinds.Kind.SAFETENSORS) return Optional.empty();
        Map<String, String> meta;
        try {
            meta = SafeTensors.metadata(file);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        if (!FORMAT.equals(meta.get(META_FORMAT))) return Optional.empty();
        return Optional.of(parse(file, meta));
    }

    static Info parse(Path file, Map<String, String> meta) {
        try {
            JsonNode c = JSON.readTree(meta.getOrDefault(META_CONFIG, "{}"));
            if (!c.isObject())
                throw new WeightsFormatException(file, "checkpoint config is " + c + ", expected a JSON object");
            ModelOptions options = new ModelOptions(
                            (int) number(file, c, "num_classes", 1000, 1, MAX_CLASSES),
                            (int) number(file, c, "image_size", 0, 0, MAX_IMAGE_SIZE),
                            c.has("drop_path") ? number(file, c, "drop_path", -1, -1, 1) : -1)
                    .withFrozenStages((int) number(file, c, "frozen_stages", 0, 0, 16))
                    .withNormEval(c.path("norm_eval").asBoolean(false));
            List<String> classes = JSON.readValue(meta.getOrDefault(META_CLASSES, "[]"), new TypeReference<>() {});
            Map<String, Object> extra = JSON.readValue(meta.getOrDefault(META_EXTRA, "{}"), new TypeReference<>() {});
            String model = meta.get(META_MODEL);
            if (model == null) throw new WeightsFormatException(file, "checkpoint metadata has no model name");
            return new Info(
                    model,
                    options,
                    classes,
                    Long.parseLong(meta.getOrDefault(META_EPOCH, "-1")),
                    c.path("reparameterized").asBoolean(false),
                    extra);
        } catch (IOException | NumberFormatException | ClassCastException e) {
            throw new WeightsFormatException(file, "checkpoint metadata is corrupt (" + e.getMessage() + ")", e);
        }
    }

    /** A {@code config} number, checked to be a number in [{@code min}, {@code max}]; {@code absent} if missing. */
    private static double number(Path file, JsonNode config, String key, double absent, double min, double max) {
        JsonNode n = config.get(key);
        if (n == null) return absent;
        if (!n.isNumber() || !(n.asDouble() >= min && n.asDouble() <= max)) {
            throw new WeightsFormatException(
                    file,
                    "checkpoint config '" + key + "' is " + n + " (expected a number from " + min + " to " + max + ")");
        }
        return n.asDouble();
    }

    /** Reads every section of one of our checkpoints into {@code manager}. */
    public static Contents read(Path file, NDManager manager) throws IOException {
        Info info = info(file)
                .orElseThrow(() -> new WeightsFormatException(
                        file,
                        "not a hybridvit checkpoint (no '" + META_FORMAT + ": " + FORMAT
                                + "' metadata); load plain weights with WeightsLoader"));
        LinkedHashMap<String, NDArray> model = new LinkedHashMap<>(),
                optimizer = new LinkedHashMap<>(),
                ema = new LinkedHashMap<>();
        SafeTensors.read(file, manager).forEach((k, v) -> {
            if (k.startsWith(OPTIMIZER_PREFIX)) optimizer.put(k.substring(OPTIMIZER_PREFIX.length()), v);
            else if (k.startsWith(EMA_PREFIX)) ema.put(k.substring(EMA_PREFIX.length()), v);
            else model.put(k, v);
        });
        return new Contents(info, model, optimizer, ema);
    }
}
