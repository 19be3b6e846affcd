package dev.hybridvit.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hybridvit.weights.ReferenceFill;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * One file of the reference outputs: what the official PyTorch model computes under the
 * {@code splitmix64-v1} fill rule. The folder is named by the system property
 * {@value #DIR_PROPERTY} (the build sets it to {@code ../shared/reference} beside the repository)
 * or the environment variable {@value #DIR_VARIABLE}.
 */
public record ReferenceCase(String id, JsonNode json) {
    /** Relative tolerance of the reference README: max|ours−ref| / max(1, max|ref|). */
    public static final double TOLERANCE = 1e-4;

    public static final String DIR_PROPERTY = "hybridvit.reference.dir";
    public static final String DIR_VARIABLE = "HYBRIDVIT_REFERENCE_DIR";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The reference folder; without it the tests that need it fail (never skip). */
    public static Path directory() {
        return directory(System.getProperty(DIR_PROPERTY), System.getenv(DIR_VARIABLE));
    }

    /** The first of {@code property}, {@code variable} that names an existing folder. */
    static Path directory(String property, String variable) {
        for (String candidate : new String[] {property, variable}) {
            if (candidate != null && !candidate.isBlank() && Files.isDirectory(Path.of(candidate))) {
                return Path.of(candidate);
            }
        }
        throw new IllegalStateException("reference outputs not found: neither -D" + DIR_PROPERTY
                + " (" + describe(property) + ") nor the environment variable " + DIR_VARIABLE + " ("
                + describe(variable)
                + ") names an existing folder. Point one of them at the reference folder (Maven sets the property to"
                + " ../shared/reference beside the repository when run from the repository's root).");
    }

    private static String describe(String value) {
        if (value == null || value.isBlank()) return "not set";
        return "'" + value + "', " + (Files.exists(Path.of(value)) ? "not a folder" : "does not exist");
    }

    public static List<ReferenceCase> all() {
        try (Stream<Path> files = Files.list(directory())) {
            List<ReferenceCase> out = new ArrayList<>();
            for (Path f :
                    files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
                String name = f.getFileName().toString();
                out.add(new ReferenceCase(name.substring(0, name.length() - 5), JSON.readTree(f.toFile())));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ReferenceCase named(String id) {
        return all().stream()
                .filter(c -> c.id.equals(id))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no reference case '" + id + "' in " + directory()));
    }

    public String model() {
        return json.get("model").asText();
    }

    public int imageSize() {
        return json.get("image_size").asInt();
    }

    public int batch() {
        return json.get("batch").asInt();
    }

    public long paramCount() {
        return json.get("param_count").asLong();
    }

    public ReferenceFill fill() {
        JsonNode f = json.get("fill");
        return new ReferenceFill(
                json.get("base_seed").asLong(),
                f.get("gain").asDouble(),
                f.get("qk_gain").asDouble());
    }

    public float[] input() {
        return fill().input(batch(), imageSize());
    }

    public float[] logits() {
        return flat(json.get("logits"));
    }

    public float[] deployLogits() {
        return json.has("deploy_logits") ? flat(json.get("deploy_logits")) : null;
    }

    /** {@code name shape} lines of the official state dict, in order. */
    public List<String> stateDictSignature() {
        List<String> out = new ArrayList<>();
        for (JsonNode e : json.get("state_dict")) out.add(e.get("name").asText() + " " + e.get("shape"));
        return out;
    }

    public JsonNode features() {
        return json.get("features");
    }

    public static float[] flat(JsonNode node) {
        List<Float> vals = new ArrayList<>();
        collect(node, vals);
        float[] out = new float[vals.size()];
        for (int i = 0; i < out.length; i++) out[i] = vals.get(i);
        return out;
    }

    private static void collect(JsonNode n, List<Float> out) {
        if (n.isArray()) n.forEach(c -> collect(c, out));
        else out.add((float) n.asDouble());
    }

    /** max|a−ref| / max(1, max|ref|). */
    public static double relativeError(float[] ours, float[] ref) {
        if (ours.length != ref.length)
            throw new AssertionError("length " + ours.length + " vs reference " + ref.length);
        double diff = 0, scale = 1;
        for (int i = 0; i < ref.length; i++) {
            diff = Math.max(diff, Math.abs((double) ours[i] - ref[i]));
            scale = Math.max(scale, Math.abs(ref[i]));
        }
        return diff / scale;
    }

    @Override
    public String toString() {
        return id;
    }
}
