package dev.hybridvit.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelSpec;
import dev.hybridvit.models.VisionModel;
import dev.hybridvit.nn.Init;
import dev.hybridvit.nn.Module;
import dev.hybridvit.testing.ReferenceCase;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole loader path on the real {@code cmt_ti_160_s2024.pth}, without depending on the CMT
 * model code (written on another branch): a stand-in model whose slots are exactly the official
 * CMT-Ti state dict of the reference JSON. Also covers the CMT classifier reset ({@code head.*})
 * and the {@link StateDictAdapter} hook that CMT uses for relative-position-bias resizing.
 */
class CmtReferenceLoadTest {
    private static Path file() {
        return ReferenceCase.directory().resolve("cmt_ti_160_s2024.pth");
    }

    /** A model with the reference JSON's keys and shapes ({@code head} resized to the class count). */
    static class SignatureModel extends VisionModel {
        SignatureModel(ModelSpec spec, ModelOptions options, JsonNode stateDict, Map<String, long[]> overrides) {
            super(spec, options);
            Map<String, Node> nodes = new LinkedHashMap<>();
            for (JsonNode e : stateDict) {
                String name = e.get("name").asText();
                long[] shape = new long[e.get("shape").size()];
                for (int i = 0; i < shape.length; i++) shape[i] = e.get("shape").get(i).asLong();
                if (overrides.containsKey(name)) shape = overrides.get(name);
                if (name.startsWith("head.")) shape[0] = options.numClasses();
                int dot = name.lastIndexOf('.');
                Module owner = this;
                if (dot > 0) {
                    String path = name.substring(0, dot);
                    owner = node(nodes, path);
                }
                String leaf = name.substring(dot + 1);
                boolean buffer = e.path("buffer").asBoolean(false);
                DataType dt = name.endsWith("num_batches_tracked") ? DataType.INT64 : DataType.FLOAT32;
                if (owner == this) addParameter(leaf, new Shape(shape));
                else ((Node) owner).slot(leaf, new Shape(shape), buffer, dt);
            }
        }

        /** The module at a dotted path, created (with its parents) on first use. */
        private Node node(Map<String, Node> nodes, String path) {
            Node n = nodes.get(path);
            if (n != null) return n;
            n = new Node();
            int d = path.lastIndexOf('.');
            if (d < 0) register(path, n);
            else node(nodes, path.substring(0, d)).add(path.substring(d + 1), n);
            nodes.put(path, n);
            return n;
        }

        private void addParameter(String name, Shape shape) {
            parameter(name, shape, Init.normal(1));
        }

        /** An intermediate module holding slots and children. */
        static final class Node extends Module {
            Node add(String name, Node child) { return register(name, child); }

            void slot(String name, Shape shape, boolean buffer, DataType dt) {
                if (buffer) buffer(name, shape, dt, Init.ZEROS);
                else parameter(name, shape, Init.normal(1));
            }

            @Override public NDArray forward(NDArray x) { return x; }
        }

        @Override protected NDArray stem(NDArray x) { return x; }
        @Override public int numStages() { return 4; }
        @Override protected NDArray stage(int i, NDArray x) { return x; }
        @Override public NDArray forwardHead(NDArray features) { return features; }
        @Override public int[] stageChannels() { return new int[] {46, 92, 184, 368}; }
        @Override public int[] stageStrides() { return new int[] {4, 8, 16, 32}; }
        @Override public void checkInputSize(int height, int width) {}
    }

    /** The stand-in with a resize hook: nearest-neighbour over the query axis (a real CMT helper interpolates in 2-D). */
    static final class ResizingModel extends SignatureModel implements StateDictAdapter {
        ResizingModel(ModelSpec spec, ModelOptions options, JsonNode stateDict, Map<String, long[]> overrides) {
            super(spec, options, stateDict, overrides);
        }

        @Override
        public void adaptStateDict(Map<String, NDArray> source, Map<String, Shape> target, NDManager manager, List<String> notes) {
            for (String k : List.of("relative_pos_a", "relative_pos_b", "relative_pos_c", "relative_pos_d")) {
                NDArray v = source.get(k);
                Shape want = target.get(k);
                if (v == null || v.getShape().equals(want)) continue;
                int h = (int) v.getShape().get(0), n = (int) v.getShape().get(1), kk = (int) v.getShape().get(2);
                int m = (int) want.get(1);
                float[] src = v.toFloatArray(), dst = new float[h * m * kk];
                for (int a = 0; a < h; a++) {
                    for (int i = 0; i < m; i++) {
                        System.arraycopy(src, (a * n + (int) ((long) i * n / m)) * kk, dst, (a * m + i) * kk, kk);
                    }
                }
                source.put(k, manager.create(dst, want));
                notes.add(k + " resized " + v.getShape() + " → " + want);
            }
        }
    }

    private static SignatureModel build(int numClasses, boolean resizing, Map<String, long[]> overrides) {
        JsonNode sd = ReferenceCase.named("cmt_ti_160_s2024").json().get("state_dict");
        ModelSpec spec = new ModelSpec("cmt_ti_signature", "cmt", "stand-in with the official CMT-Ti keys", 160, 0.875,
                (s, o) -> resizing ? new ResizingModel(s, o, sd, overrides) : new SignatureModel(s, o, sd, overrides));
        return (SignatureModel) spec.create(ModelOptions.defaults().withNumClasses(numClasses), 0);
    }

    @Test
    void referenceCheckpointLoadsStrictlyIntoTheOfficialCmtTiSignature() throws Exception {
        try (SignatureModel model = build(1000, false, Map.of())) {
            assertThat(model.namedSlots()).hasSize(708);
            WeightsLoader.Result r = WeightsLoader.load(model, file());
            assertThat(r.naming()).isEqualTo(KeyNaming.CMT_OFFICIAL);
            assertThat(r.location()).isEqualTo("model");
            assertThat(r.loaded()).isEqualTo(708);
            assertThat(r.isComplete()).isTrue();
            assertThat(r.metadata()).containsEntry("epoch", "299");
            ReferenceFill fill = ReferenceCase.named("cmt_ti_160_s2024").fill();
            assertThat(model.stateDict().get("relative_pos_a").toFloatArray())
                    .containsExactly(fill.tensor(0, "relative_pos_a", new long[] {1, 1600, 25}));
            assertThat(r.describe()).startsWith("loaded 708 tensors from cmt_ti_160_s2024.pth (pth, official CMT names, state dict under 'model')");
        }
    }

    @Test
    void cmtClassifierIsReinitialisedForAnotherClassCount() throws Exception {
        try (SignatureModel model = build(10, false, Map.of())) {
            WeightsLoader.Result r = WeightsLoader.load(model, file(), WeightsLoader.Options.STRICT.withResetClassifier(true));
            assertThat(r.reinitialized()).containsExactly("head.weight (file (1000, 1280), model (10, 1280))",
                    "head.bias (file (1000), model (10))");
            assertThat(r.loaded()).isEqualTo(706);
        }
    }

    @Test
    void resolutionAdapterRunsBeforeTheShapeCheck() throws Exception {
        // relative_pos_a of a 192-pixel CMT-Ti: (1, 2304, 36) instead of (1, 1600, 25) — only the query axis here
        Map<String, long[]> at192 = Map.of("relative_pos_a", new long[] {1, 2304, 25});
        try (SignatureModel plain = build(1000, false, at192)) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> WeightsLoader.load(plain, file()))
                    .isInstanceOf(WeightsMismatchException.class)
                    .hasMessageContaining("relative_pos_a: file has (1, 1600, 25), model expects (1, 2304, 25)");
        }
        try (SignatureModel resizing = build(1000, true, at192)) {
            WeightsLoader.Result r = WeightsLoader.load(resizing, file());
            assertThat(r.isComplete()).isTrue();
            assertThat(r.notes()).contains("relative_pos_a resized (1, 1600, 25) → (1, 2304, 25)");
        }
    }
}
