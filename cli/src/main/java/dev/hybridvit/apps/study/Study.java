package dev.hybridvit.apps.study;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hybridvit.models.ModelSpec;
import dev.hybridvit.models.cmt.CMT;
import dev.hybridvit.models.cmt.CMTConfig;
import dev.hybridvit.models.cmt.CompoundScaling;
import dev.hybridvit.models.nextvit.NextViT;
import dev.hybridvit.models.nextvit.NextViTConfig;
import dev.hybridvit.models.trtvit.TRTViT;
import dev.hybridvit.models.trtvit.TRTViTConfig;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * An ablation study as data: a base variant (one at the paper's size, one compact for {@code --quick})
 * and the variants to compare, each a set of knobs, i.e. field values of the family's variant record
 * ({@link NextViTConfig}, {@link CMTConfig}, {@link TRTViTConfig}). Knobs are applied by record
 * reflection, so every field of a variant record is a knob and the record's own checks reject
 * impossible combinations; everything is resolved before anything runs.
 *
 * @param claim the paper's conclusion the study tests, quoted in the report
 */
public record Study(String name, String title, String claim, String base, String quickBase, List<Variant> variants) {
    /** A study's variant: a label and the knobs that differ from the base (and, for --quick, from the compact base). */
    public record Variant(
            String label, Map<String, JsonNode> knobs, Map<String, JsonNode> quickKnobs, JsonNode scale) {}

    /** The axes of a variant's {@code scale} (CMT's per-axis compound scaling, {@link CompoundScaling}). */
    public static final List<String> SCALE_AXES = List.of("depth", "width", "resolution");

    /** The built-in studies, named after the papers' tables (JSON files under {@code studies/} in this jar). */
    public static final List<String> BUILT_IN = List.of(
            "nextvit-table1-hybrid",
            "nextvit-table2-depth",
            "nextvit-table7-blocks",
            "nextvit-table8-ratio",
            "nextvit-table9-norm",
            "trtvit-table2-stages",
            "trtvit-table3-mixblocks",
            "cmt-components");

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A built-in study by name, or a spec file (a path ending in .json). */
    public static Study load(String nameOrFile) throws IOException {
        if (nameOrFile.endsWith(".json")) {
            Path p = Path.of(nameOrFile);
            if (!Files.isRegularFile(p)) throw new java.nio.file.NoSuchFileException(nameOrFile);
            try (InputStream in = Files.newInputStream(p)) {
                return parse(nameOrFile, JSON.readTree(in));
            }
        }
        if (!BUILT_IN.contains(nameOrFile)) {
            throw new IllegalArgumentException("unknown study '" + nameOrFile + "'; built-in studies: "
                    + String.join(", ", BUILT_IN) + " (or a SPEC.json file)");
        }
        try (InputStream in = Study.class.getResourceAsStream("/studies/" + nameOrFile + ".json")) {
            return parse(nameOrFile, JSON.readTree(in));
        }
    }

    /** Reads a spec: {@code name, title, claim, base, quick_base, variants: [{label, knobs, quick_knobs}]}. */
    static Study parse(String source, JsonNode root) {
        if (root == null || !root.isObject()) throw new IllegalArgumentException(source + ": not a JSON object");
        checkFields(source, root, List.of("name", "title", "claim", "base", "quick_base", "variants"));
        String base = text(source, root, "base", null);
        List<Variant> variants = new ArrayList<>();
        JsonNode vs = root.get("variants");
        if (vs == null || !vs.isArray() || vs.isEmpty())
            throw new IllegalArgumentException(source + ": 'variants' must be a non-empty array");
        for (JsonNode v : vs) {
            String where = source + ": variants[" + variants.size() + "]";
            if (!v.isObject()) throw new IllegalArgumentException(where + ": not a JSON object");
            checkFields(where, v, List.of("label", "knobs", "quick_knobs", "scale"));
            variants.add(new Variant(
                    text(where, v, "label", null),
                    knobs(where, v.get("knobs")),
                    knobs(where, v.get("quick_knobs")),
                    v.get("scale")));
        }
        Study s = new Study(
                text(source, root, "name", source),
                text(source, root, "title", ""),
                text(source, root, "claim", ""),
                base,
                text(source, root, "quick_base", base),
                variants);
        s.resolve(false);
        s.resolve(true);
        return s;
    }

    /** One resolved variant: its label, its record and the spec that builds it. */
    public record Resolved(String label, Record config, ModelSpec spec) {}

    /**
     * The variants as models: each base record with its knobs applied ({@code quick}: the compact
     * base at its native size, with the quick knobs on top).
     */
    public List<Resolved> resolve(boolean quick) {
        String baseName = quick ? quickBase : base;
        Record baseConfig = baseConfig(name, baseName);
        List<Resolved> out = new ArrayList<>();
        for (Variant v : variants) {
            Map<String, JsonNode> knobs = new LinkedHashMap<>(v.knobs());
            if (quick) knobs.putAll(v.quickKnobs());
            String where = name + ", variant '" + v.label() + "'", newName = baseName + "_" + slug(v.label());
            Record config = apply(where, scaled(where, baseConfig, v.scale(), newName), knobs, newName);
            out.add(new Resolved(v.label(), config, spec(config, quick)));
        }
        return out;
    }

    private static Record baseConfig(String study, String model) {
        Stream<Record> all = Stream.of(
                        NextViTConfig.RELEASED,
                        NextViTConfig.PROJECT,
                        CMTConfig.RELEASED,
                        TRTViTConfig.REGISTERED,
                        TRTViTConfig.PROJECT)
                .flatMap(List::stream);
        List<Record> configs = all.toList();
        return configs.stream()
                .filter(c -> model.equals(component(c, "name")))
                .findFirst()
                .orElseThrow(() ->
                        new IllegalArgumentException(study + ": base '" + model + "' is not a variant; allowed: "
                                + configs.stream()
                                        .map(c -> (String) component(c, "name"))
                                        .collect(Collectors.joining(", "))));
    }

    /**
     * {@code base} scaled per axis by a variant's {@code scale: {depth, width, resolution}}
     * multipliers (absent axes 1); only CMT has compound scaling, and the variants of a study are
     * timed on one input size, so the resolution multiplier must be 1 here.
     */
    private static Record scaled(String where, Record base, JsonNode scale, String newName) {
        if (scale == null) return base;
        if (!(base instanceof CMTConfig cmt))
            throw new IllegalArgumentException(where + ": 'scale' needs a CMT base (compound scaling is CMT's)");
        if (!scale.isObject()) throw new IllegalArgumentException(where + ": 'scale' must be an object");
        checkFields(where + ", scale", scale, SCALE_AXES);
        double[] f = new double[3];
        for (int i = 0; i < 3; i++) {
            JsonNode n = scale.get(SCALE_AXES.get(i));
            if (n != null && !(n.isNumber() && n.doubleValue() > 0))
                throw new IllegalArgumentException(
                        where + ", scale." + SCALE_AXES.get(i) + ": expected a positive number, got " + n);
            f[i] = n == null ? 1 : n.doubleValue();
        }
        if (f[2] != 1)
            throw new IllegalArgumentException(where + ", scale.resolution: the variants of a study are timed on one"
                    + " input size; allowed: 1 (compare resolutions with `benchmark --img-size` instead)");
        return CompoundScaling.scale(cmt, f[0], f[1], f[2], newName);
    }

    /** The model spec of a variant record; {@code quick}: at 32 px without a crop, as the project's compact models. */
    static ModelSpec spec(Record config, boolean quick) {
        if (config instanceof NextViTConfig c)
            return new ModelSpec(
                    c.name(),
                    "nextvit",
                    "study variant",
                    quick ? 32 : 224,
                    quick ? 1 : 0.875,
                    (s, o) -> new NextViT(s, c, o));
        if (config instanceof TRTViTConfig c)
            return new ModelSpec(
                    c.name(),
                    "trtvit",
                    "study variant",
                    quick ? 32 : 224,
                    quick ? 1 : 0.875,
                    (s, o) -> new TRTViT(s, c, o));
        CMTConfig c = (CMTConfig) config;
        return new ModelSpec(
                c.name(),
                "cmt",
                "study variant",
                quick ? 32 : c.imageSize(),
                quick ? 1 : 0.875,
                (s, o) -> new CMT(s, c, o));
    }

    /** {@code base} with the named fields replaced; errors name the knob and its allowed names or values. */
    static Record apply(String where, Record base, Map<String, JsonNode> knobs, String newName) {
        RecordComponent[] components = base.getClass().getRecordComponents();
        Object[] values = new Object[components.length];
        Class<?>[] types = new Class<?>[components.length];
        for (int i = 0; i < components.length; i++) {
            types[i] = components[i].getType();
            values[i] = components[i].getName().equals("name") ? newName : component(base, components[i].getName());
        }
        for (Map.Entry<String, JsonNode> k : knobs.entrySet()) {
            int i = indexOf(components, k.getKey());
            if (i < 0) {
                throw new IllegalArgumentException(where + ": unknown knob '" + k.getKey() + "' for "
                        + base.getClass().getSimpleName() + "; allowed: "
                        + Arrays.stream(components)
                                .map(RecordComponent::getName)
                                .filter(n -> !n.equals("name"))
                                .collect(Collectors.joining(", ")));
            }
            values[i] = convert(where + ", knob '" + k.getKey() + "'", k.getValue(), types[i]);
        }
        try {
            Constructor<?> canonical = base.getClass().getDeclaredConstructor(types);
            return (Record) canonical.newInstance(values);
        } catch (InvocationTargetException e) {
            throw new IllegalArgumentException(where + ": " + e.getCause().getMessage(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Object convert(String where, JsonNode v, Class<?> type) {
        String expected;
        if (type == int.class) {
            if (v.isInt()) return v.intValue();
            expected = "an integer";
        } else if (type == double.class) {
            if (v.isNumber()) return v.doubleValue();
            expected = "a number";
        } else if (type == boolean.class) {
            if (v.isBoolean()) return v.booleanValue();
            expected = "true or false";
        } else if (type == String.class) {
            if (v.isTextual()) return v.textValue();
            expected = "a string";
        } else if (type == int[].class) {
            if (v.isArray() && all(v, JsonNode::isInt))
                return stream(v).mapToInt(JsonNode::intValue).toArray();
            expected = "an array of integers";
        } else if (type == double[].class) {
            if (v.isArray() && all(v, JsonNode::isNumber))
                return stream(v).mapToDouble(JsonNode::doubleValue).toArray();
            expected = "an array of numbers";
        } else if (type == String[].class) {
            if (v.isNull()) return null;
            if (v.isArray() && all(v, JsonNode::isTextual))
                return stream(v).map(JsonNode::textValue).toArray(String[]::new);
            expected = "an array of strings (or null)";
        } else if (type.isEnum()) {
            for (Object c : type.getEnumConstants()) if (((Enum<?>) c).name().equalsIgnoreCase(v.asText())) return c;
            expected = "one of "
                    + Arrays.stream(type.getEnumConstants())
                            .map(Object::toString)
                            .collect(Collectors.joining(", "));
        } else {
            throw new IllegalArgumentException(where + ": not a knob a study can set");
        }
        throw new IllegalArgumentException(where + ": expected " + expected + ", got " + v);
    }

    private static boolean all(JsonNode array, java.util.function.Predicate<JsonNode> p) {
        return stream(array).allMatch(p);
    }

    private static Stream<JsonNode> stream(JsonNode array) {
        List<JsonNode> items = new ArrayList<>();
        array.forEach(items::add);
        return items.stream();
    }

    private static int indexOf(RecordComponent[] components, String name) {
        for (int i = 0; i < components.length; i++)
            if (components[i].getName().equals(name) && !name.equals("name")) return i;
        return -1;
    }

    private static Object component(Record r, String name) {
        try {
            for (RecordComponent c : r.getClass().getRecordComponents())
                if (c.getName().equals(name)) return c.getAccessor().invoke(r);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
        throw new IllegalStateException(r.getClass().getSimpleName() + " has no field " + name);
    }

    private static Map<String, JsonNode> knobs(String where, JsonNode node) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        if (node == null) return out;
        if (!node.isObject())
            throw new IllegalArgumentException(where + ": knobs must be a JSON object of field: value");
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            out.put(e.getKey(), e.getValue());
        }
        return out;
    }

    private static void checkFields(String where, JsonNode node, List<String> allowed) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!allowed.contains(f))
                throw new IllegalArgumentException(
                        where + ": unknown field '" + f + "'; allowed: " + String.join(", ", allowed));
        }
    }

    private static String text(String where, JsonNode node, String field, String fallback) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            if (fallback != null) return fallback;
            throw new IllegalArgumentException(where + ": '" + field + "' is required");
        }
        if (!v.isTextual()) throw new IllegalArgumentException(where + ": '" + field + "' must be a string");
        return v.textValue();
    }

    /** A label as a file-name-safe suffix. */
    static String slug(String label) {
        return label.toLowerCase(java.util.Locale.ROOT)
                .replaceAll("[^a-z0-9.]+", "_")
                .replaceAll("^_|_$", "");
    }
}
