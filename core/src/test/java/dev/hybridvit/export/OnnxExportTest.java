package dev.hybridvit.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.hybridvit.export.onnx.OnnxGraph;
import dev.hybridvit.infer.OnnxPredictor;
import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.VisionModel;
import dev.hybridvit.tensor.Tensors;
import dev.hybridvit.testing.ReferenceCase;
import dev.hybridvit.weights.ReferenceFill;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The export of every registered model (small sizes): the exported file loads in ONNX Runtime
 * (the structural check) and its logits match the eager model within 1e-4 relative, in the plain
 * and the deploy form (which must also equal the eagerly reparameterised model: one deploy path),
 * with a fixed and a dynamic batch; plus the official logits of reference cases through ORT and
 * the predictor's input validation. The plain and deploy graphs at batch 2 also output every stage's
 * feature map ({@link ExportOptions#withStages}), so the features of the whole registry are checked
 * against eager in the same sessions, without a second export. A stage map is compared relative to
 * its own largest magnitude, with the logits' tolerance: the un-normalised residual stream of the
 * deepest stages differs most (about 1.6e-5 for nextvit_large's stage 2 on this fill), well inside it.
 * Where a model's channels-last deploy graph (the one int8 exports quantize) differs from the
 * default one, it is checked the same way.
 */
class OnnxExportTest {
    static final int SIZE = 64;
    static final double TOLERANCE = 1e-4;

    @TempDir
    Path tmp;

    static List<String> models() {
        return ModelRegistry.architectures();
    }

    /** A model whose BN statistics are randomised (so folding is not the identity). */
    static VisionModel filled(String name, int size) {
        VisionModel model =
                ModelRegistry.get(name).create(ModelOptions.defaults().withImageSize(size), 1);
        Map<String, NDArray> w = new ReferenceFill(11, 0.8, 2.0).stateDict(model.namedSlots(), model.manager());
        model.loadStateDict(w);
        w.values().forEach(NDArray::close);
        return model;
    }

    static double relative(float[] ours, float[] ref) {
        return Tensors.maxAbsDiff(ours, ref) / Math.max(1e-12, Tensors.maxAbs(ref));
    }

    private void checkParity(String name, int size, boolean deploy) throws IOException {
        checkParity(name, size, deploy, 2);
    }

    /** One eager pass: the logits and every stage's output (nothing else survives). */
    record Eager(float[] logits, List<float[]> stages) {
        static Eager of(VisionModel model, NDArray x) {
            try (NDManager scope = x.getManager().newSubManager()) {
                x.tempAttach(scope);
                List<NDArray> stages = model.forwardStages(x);
                float[] logits = Tensors.toFloats(model.forwardHead(stages.get(stages.size() - 1)));
                return new Eager(logits, stages.stream().map(Tensors::toFloats).toList());
            }
        }
    }

    /**
     * {@code batch}: the export's fixed batch; the predictor splits the two test images into such
     * batches. At batch 2 the graph also outputs the stage maps, compared in the same run.
     */
    private void checkParity(String name, int size, boolean deploy, int batch) throws IOException {
        try (VisionModel model = filled(name, size)) {
            NDArray x = model.manager().randomNormal(new Shape(2, 3, size, size));
            Eager eager = Eager.of(model, x);
            boolean stages = batch == 2;
            Path file = tmp.resolve(name + (deploy ? "-deploy" : "") + ".onnx");
            ExportOptions options =
                    ExportOptions.defaults().withDeploy(deploy).withBatch(batch).withStages(stages);
            Exporter.Result r = Exporter.export(model, file, options);
            assertThat(r.bytes()).isPositive();
            Eager want = checkOrt(model, file, x, eager, null, deploy, stages);
            // the channels-last deploy form (int8 exports), where a family has one; once per model
            if (deploy && stages) {
                OnnxGraph channelsLast = Exporter.graph(model, options.withChannelsLast(true));
                if (channelsLast.nodeCount() != r.nodes()) {
                    Path cl = tmp.resolve(name + "-channels-last.onnx");
                    Files.write(cl, channelsLast.toBytes());
                    checkOrt(model, cl, x, eager, want, true, stages);
                }
            }
        }
    }

    /**
     * ORT's logits on the two images {@code x} (and stage maps, when the graph outputs them)
     * against the eager model's; for a deploy graph also against the eager deploy form, which is
     * returned ({@code deployed}: its outputs when already computed, else null).
     */
    private Eager checkOrt(
            VisionModel model, Path file, NDArray x, Eager eager, Eager deployed, boolean deploy, boolean stages)
            throws IOException {
        float[] input = x.toFloatArray();
        int size = (int) x.getShape().get(3);
        try (OnnxPredictor p =
                OnnxPredictor.open(file, OnnxPredictor.Options.defaults().withThreads(1))) {
            Map<String, OnnxPredictor.Output> ort = stages ? p.outputs(input, 2, 3, size, size) : Map.of();
            float[] logits =
                    stages ? ort.get(Exporter.OUTPUT).data() : Tensors.flatten(p.predict(input, 2, 3, size, size));
            assertThat(relative(logits, eager.logits()))
                    .as("ORT vs eager, relative")
                    .isLessThanOrEqualTo(TOLERANCE);
            Eager want = eager;
            if (deploy) {
                assertThat(model.isReparameterized())
                        .as("the deploy export reparameterises the model")
                        .isTrue();
                want = deployed != null ? deployed : Eager.of(model, x);
                assertThat(relative(logits, want.logits()))
                        .as("ORT deploy graph vs eager deploy form, relative")
                        .isLessThanOrEqualTo(TOLERANCE);
            }
            for (int i = 0; stages && i < model.numStages(); i++) {
                double err = relative(
                        ort.get(Exporter.featureName(i)).data(), want.stages().get(i));
                assertThat(err)
                        .as("stage %d: ORT vs eager%s, relative", i, deploy ? " deploy form" : "")
                        .isLessThanOrEqualTo(TOLERANCE);
            }
            assertThat(p.metadata())
                    .containsEntry("model", model.spec().name())
                    .containsEntry("image_size", Integer.toString(size))
                    .containsKeys("mean", "std");
            return want;
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void exportMatchesEager(String name) throws IOException {
        checkParity(name, SIZE, false);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void deployExportMatchesEager(String name) throws IOException {
        checkParity(name, SIZE, true);
    }

    /** Batch 1 has its own deploy form (CMT: heads as the MatMul batch axis). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void batchOneDeployExportMatchesEager(String name) throws IOException {
        checkParity(name, SIZE, true, 1);
    }

    /** Odd sizes: ceil-mode pools with partial windows and E-MHSA token counts not divisible by sr². */
    @Test
    void oddSizeMatchesEager() throws IOException {
        checkParity("nextvit_small", 72, true);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void dynamicBatchTakesOneAndThree(String name) throws IOException {
        try (VisionModel model = filled(name, SIZE)) {
            NDArray x = model.manager().randomNormal(new Shape(3, 3, SIZE, SIZE));
            float[] input = x.toFloatArray();
            float[] eager = Tensors.toFloats(model.predict(x));
            Path file = tmp.resolve("dyn.onnx");
            Exporter.export(
                    model, file, ExportOptions.defaults().withDeploy(true).withDynamicBatch());
            try (OnnxPredictor p = OnnxPredictor.open(file)) {
                assertThat(p.exportedBatch()).isZero();
                float[] three = Tensors.flatten(p.predict(input, 3, 3, SIZE, SIZE));
                assertThat(relative(three, eager)).isLessThanOrEqualTo(TOLERANCE);
                float[] one =
                        Tensors.flatten(p.predict(java.util.Arrays.copyOf(input, 3 * SIZE * SIZE), 1, 3, SIZE, SIZE));
                assertThat(relative(one, java.util.Arrays.copyOf(eager, one.length)))
                        .isLessThanOrEqualTo(TOLERANCE);
            }
        }
    }

    /** A fixed-batch export splits a larger batch and pads a ragged tail. */
    @Test
    void fixedBatchSplitsAndPads() throws IOException {
        try (VisionModel model = filled("nextvit_small", SIZE)) {
            NDArray x = model.manager().randomNormal(new Shape(5, 3, SIZE, SIZE));
            float[] eager = Tensors.toFloats(model.predict(x));
            Path file = tmp.resolve("b2.onnx");
            Exporter.export(model, file, ExportOptions.defaults().withBatch(2));
            try (OnnxPredictor p = OnnxPredictor.open(file)) {
                assertThat(p.exportedBatch()).isEqualTo(2);
                float[][] out = p.predict(x.toFloatArray(), 5, 3, SIZE, SIZE);
                assertThat(out).hasNumberOfRows(5);
                assertThat(relative(Tensors.flatten(out), eager)).isLessThanOrEqualTo(TOLERANCE);
            }
        }
    }

    @Test
    void predictorRejectsWrongShapesAndNonFiniteInput() throws IOException {
        Path file = tmp.resolve("v.onnx");
        try (VisionModel model = ModelRegistry.get("nextvit_small")
                .create(ModelOptions.defaults().withImageSize(SIZE), 1)) {
            Exporter.export(model, file, ExportOptions.defaults().withDynamicBatch());
        }
        try (OnnxPredictor p = OnnxPredictor.open(file)) {
            assertThatThrownBy(() -> p.predict(new float[3 * 32 * 32], 1, 3, 32, 32))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("[1, 3, 32, 32]")
                    .hasMessageContaining("3×64×64");
            assertThatThrownBy(() -> p.predict(new float[SIZE * SIZE], 1, 1, SIZE, SIZE))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("expected");
            assertThatThrownBy(() -> p.predict(new float[10], 1, 3, SIZE, SIZE))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("10 values");
            float[] bad = new float[3 * SIZE * SIZE];
            bad[SIZE * SIZE + 5] = Float.NaN;
            assertThatThrownBy(() -> p.predict(bad, 1, 3, SIZE, SIZE))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("NaN at [0, 1, 0, 5]");
            bad[SIZE * SIZE + 5] = Float.POSITIVE_INFINITY;
            assertThatThrownBy(() -> p.predict(bad, 1, 3, SIZE, SIZE)).hasMessageContaining("Infinity");
        }
        assertThatThrownBy(() -> OnnxPredictor.open(tmp.resolve("absent.onnx"))).hasMessageContaining("absent.onnx");
    }

    /** Concurrent callers share one session and get the same answers as a lone caller. */
    @Test
    void predictorIsSafeForConcurrentCallers() throws Exception {
        Path file = tmp.resolve("c.onnx");
        float[] input;
        try (VisionModel model = filled("nextvit_pico_hv", SIZE)) {
            input = model.manager().randomNormal(new Shape(1, 3, SIZE, SIZE)).toFloatArray();
            Exporter.export(
                    model, file, ExportOptions.defaults().withDeploy(true).withDynamicBatch());
        }
        try (OnnxPredictor p =
                OnnxPredictor.open(file, OnnxPredictor.Options.defaults().withThreads(1))) {
            float[] alone = p.predict(input, 1, 3, SIZE, SIZE)[0];
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
            try {
                List<java.util.concurrent.Future<float[]>> futures = new java.util.ArrayList<>();
                for (int i = 0; i < 16; i++) futures.add(pool.submit(() -> p.predict(input, 1, 3, SIZE, SIZE)[0]));
                for (var f : futures) assertThat(f.get()).containsExactly(alone);
            } finally {
                pool.shutdownNow();
            }
        }
    }

    static List<String> referenceCases() {
        return List.of("nextvit_small_224_s2024", "cmt_ti_160_s2024");
    }

    /** Official logits (and merge_bn logits where the family has them) reproduced through ONNX Runtime. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("referenceCases")
    void referenceCaseThroughOrt(String id) throws IOException {
        ReferenceCase ref = ReferenceCase.named(id);
        // plain and deploy with a dynamic batch, and deploy with batch 1 (its own form)
        for (int variant = 0; variant < 3; variant++) {
            boolean deploy = variant > 0;
            ExportOptions options = ExportOptions.defaults().withDeploy(deploy);
            options = variant == 2 ? options.withBatch(1) : options.withDynamicBatch();
            try (VisionModel model = ModelRegistry.get(ref.model())
                    .create(ModelOptions.defaults().withImageSize(ref.imageSize()), 0)) {
                Map<String, NDArray> w = ref.fill().stateDict(model.namedSlots(), model.manager());
                model.loadStateDict(w);
                w.values().forEach(NDArray::close);
                Path file = tmp.resolve("ref.onnx");
                Exporter.export(model, file, options);
                try (OnnxPredictor p = OnnxPredictor.open(file)) {
                    int s = ref.imageSize();
                    float[] ort = Tensors.flatten(p.predict(ref.input(), ref.batch(), 3, s, s));
                    float[] want = deploy && ref.deployLogits() != null ? ref.deployLogits() : ref.logits();
                    assertThat(ReferenceCase.relativeError(ort, want))
                            .as(
                                    "%s via ORT (%s, %s), relative",
                                    ref.id(),
                                    deploy ? "deploy" : "plain",
                                    options.dynamicBatch() ? "dynamic batch" : "batch " + options.batch())
                            .isLessThanOrEqualTo(ReferenceCase.TOLERANCE);
                    // the deploy graph also matches the un-merged official logits
                    if (deploy)
                        assertThat(ReferenceCase.relativeError(ort, ref.logits()))
                                .isLessThanOrEqualTo(ReferenceCase.TOLERANCE);
                }
            }
        }
    }
}
