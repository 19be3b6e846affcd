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
 * One file of {@code shared/reference}: what the official PyTorch model computes under the
 * {@code splitmix64-v1} fill rule. Found via {@code -Dhybridvit.reference.dir}, the
 * {@code HYBRIDVIT_REFERENCE} variable, or a {@code shared/reference} folder beside an ancestor
 * of the working directory.
 */
public record ReferenceCase(String id, JsonNode json) {
    /** Relative tolerance of the reference README: max|ours−ref| / max(1, max|ref|). */
    public static final double TOLERANCE = 1e-4;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The reference folder; tests fail (not skip) without it, since parity is the project's bar. */
    public static Path directory() {
        String prop = System.getProperty("hybridvit.reference.dir", System.getenv("HYBRIDVIT_REFERENCE"));
        if (prop != null && Files.isDirectory(Path.of(prop))) return Path.of(prop);
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path candidate = p.resolve("shared/reference");
            if (Files.isDirectory(candidate)) return candidate;
        }
        Path workplace = Path.of("/work/shared/reference"); // this project's development machines
        if (Files.isDirectory(workplace)) return workplace;
        throw new IllegalStateException("reference outputs not found: set -Dhybridvit.reference.dir or HYBRIDVIT_REFERENCE "
                + "to the shared/reference folder (expected beside the repository as ../shared/reference)");
    }

    public static List<ReferenceCase> all() {
        try (Stream<Path> files = Files.list(directory())) {
            List<ReferenceCase> out = new ArrayList<>();
            for (Path f : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
                String name = f.getFileName().toString();
                out.add(new ReferenceCase(name.substring(0, name.length() - 5), JSON.readTree(f.toFile())));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ReferenceCase named(String id) {
        return all().stream().filter(c -> c.id.equals(id)).findFirst().orElseThrow();
    }

    public String model() { return json.get("model").asText(); }
    public int imageSize() { return json.get("image_size").asInt(); }
    public int batch() { return json.get("batch").asInt(); }
    public long paramCount() { return json.get("param_count").asLong(); }

    public ReferenceFill fill() {
        JsonNode f = json.get("fill");
        return new ReferenceFill(json.get("base_seed").asLong(), f.get("gain").asDouble(), f.get("qk_gain").asDouble());
    }

    public float[] input() {
        return fill().input(batch(), imageSize());
    }

    public float[] logits() { return flat(json.get("logits")); }

    public float[] deployLogits() { return json.has("deploy_logits") ? flat(json.get("deploy_logits")) : null; }

    /** {@code name shape} lines of the official state dict, in order. */
    public List<String> stateDictSignature() {
        List<String> out = new ArrayList<>();
        for (JsonNode e : json.get("state_dict")) out.add(e.get("name").asText() + " " + e.get("shape"));
        return out;
    }

    public JsonNode features() { return json.get("features"); }

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
        if (ours.length != ref.length) throw new AssertionError("length " + ours.length + " vs reference " + ref.length);
        double diff = 0, scale = 1;
        for (int i = 0; i < ref.length; i++) {
            diff = Math.max(diff, Math.abs((double) ours[i] - ref[i]));
            scale = Math.max(scale, Math.abs(ref[i]));
        }
        return diff / scale;
    }

    @Override
    public String toString() { return id; }
}
