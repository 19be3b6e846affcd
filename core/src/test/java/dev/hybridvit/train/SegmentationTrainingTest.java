package dev.hybridvit.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.segmentation.SemanticFPN;
import dev.hybridvit.tensor.Tensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Semantic FPN training on tiny Fashion-MNIST scenes: it learns, it resumes exactly, and slide inference. */
class SegmentationTrainingTest {
    private static final String MODEL = "fpn_trtvit_pico_hv";

    @TempDir
    Path tmp;

    private SegmentationTraining.Options options(Path out, int iters) {
        return options(out, iters, null);
    }

    /** A tiny run; resuming, the model comes from the checkpoint. */
    private SegmentationTraining.Options options(Path out, int iters, Path resume) {
        return new SegmentationTraining.Options(
                resume == null ? MODEL : null,
                SegmentationTraining.SCENES,
                false,
                32,
                4,
                iters,
                2e-3,
                1e-4,
                2,
                1.0,
                iters / 2,
                4,
                0,
                false,
                16,
                5,
                1,
                out,
                resume,
                null,
                0);
    }

    private static TrainingRun.Listener quiet(List<Double> losses) {
        return new TrainingRun.Listener() {
            @Override
            public void progress(Trainer.Progress p) {
                losses.add(p.loss());
            }

            @Override
            public void epoch(TrainingRun.EpochRecord r) {}

            @Override
            public void log(String message) {}
        };
    }

    @Test
    void aFewIterationsOnTinyScenesReduceTheLoss() throws Exception {
        Path out = tmp.resolve("run");
        SegmentationTraining.Result r =
                SegmentationTraining.run(options(out, 8), quiet(new ArrayList<>()), () -> false);
        assertThat(r.history()).hasSize(2);
        assertThat(r.history().get(1).trainLoss())
                .as("mean loss of iterations 5–8 against 1–4")
                .isLessThan(r.history().get(0).trainLoss());
        assertThat(r.finalEval().iou()).hasSize(11);
        assertThat(r.finalEval().aAcc()).isBetween(0.0, 1.0);
        assertThat(Files.exists(out.resolve("metrics.json"))).isTrue();
        assertThat(Files.exists(out.resolve("scenes/images/training/scene_00015.jpg")))
                .isTrue();
    }

    /** A run stopped (Ctrl-C) and resumed ends with the weights of the uninterrupted run. */
    @Test
    void aStoppedRunResumesExactly() throws Exception {
        Path whole = tmp.resolve("whole"), parts = tmp.resolve("parts");
        SegmentationTraining.run(options(whole, 4), quiet(new ArrayList<>()), () -> false);
        AtomicInteger asked = new AtomicInteger();
        SegmentationTraining.Result stopped = SegmentationTraining.run(
                options(parts, 4), quiet(new ArrayList<>()), () -> asked.incrementAndGet() > 3);
        assertThat(stopped.stoppedAt()).isEqualTo(3);
        SegmentationTraining.Options resume = options(parts, 4, stopped.last());
        SegmentationTraining.Result resumed = SegmentationTraining.run(resume, quiet(new ArrayList<>()), () -> false);
        assertThat(resumed.stoppedAt()).isEqualTo(-1);
        assertThat(dev.hybridvit.weights.Checkpoint.info(resumed.last())
                        .orElseThrow()
                        .extra()
                        .get("iteration"))
                .isEqualTo(4);
        assertThat(resumed.history().get(0).iter())
                .as("the record written before the stop")
                .isEqualTo(2);
        try (NDManager m = Tensors.newManager()) {
            Map<String, NDArray>
                    a =
                            dev.hybridvit.weights.Checkpoint.read(whole.resolve(TrainingRun.LAST), m)
                                    .model(),
                    b =
                            dev.hybridvit.weights.Checkpoint.read(parts.resolve(TrainingRun.LAST), m)
                                    .model();
            assertThat(b.keySet()).isEqualTo(a.keySet());
            for (String k : a.keySet())
                assertThat(Tensors.maxAbsDiff(
                                a.get(k)
                                        .toType(ai.djl.ndarray.types.DataType.FLOAT32, false)
                                        .toFloatArray(),
                                b.get(k)
                                        .toType(ai.djl.ndarray.types.DataType.FLOAT32, false)
                                        .toFloatArray()))
                        .as(k)
                        .isLessThan(1e-5);
        }
    }

    @Test
    void slideInferenceOnOneWindowIsWholeInference() {
        ModelOptions o = ModelOptions.defaults().withNumClasses(3).withImageSize(64);
        try (SemanticFPN model = (SemanticFPN) ModelRegistry.get(MODEL).create(o, 2)) {
            NDManager m = model.manager();
            Tensors.seed(4);
            NDArray x = m.randomNormal(new Shape(1, 3, 64, 64));
            float[] whole = Tensors.toFloats(model.predict(x));
            float[] slide = Tensors.toFloats(model.slideForward(x, 64, 48));
            assertThat(Tensors.maxAbsDiff(whole, slide)).isLessThan(1e-6);
            // two overlapping windows: each pixel the mean of the windows covering it
            NDArray wide = m.randomNormal(new Shape(1, 3, 64, 96));
            float[] two = Tensors.toFloats(model.slideForward(wide, 64, 32));
            float[] left = Tensors.toFloats(model.predict(wide.get(":, :, :, 0:64")));
            float[] right = Tensors.toFloats(model.predict(wide.get(":, :, :, 32:96")));
            int k = 1, y = 10;
            assertThat(two[(k * 64 + y) * 96 + 5]).isCloseTo(left[(k * 64 + y) * 64 + 5], within(1e-5f));
            assertThat(two[(k * 64 + y) * 96 + 40])
                    .isCloseTo((left[(k * 64 + y) * 64 + 40] + right[(k * 64 + y) * 64 + 8]) / 2, within(1e-5f));
            assertThat(two[(k * 64 + y) * 96 + 90]).isCloseTo(right[(k * 64 + y) * 64 + 58], within(1e-5f));
        }
    }

    @Test
    void polyScheduleWarmsUpLinearlyThenDecays() {
        PolySchedule s = PolySchedule.of(1e-4, 1000, 100);
        assertThat(s.at(0)).isCloseTo(1e-4 * 1e-6, within(1e-15));
        // mmcv: regular lr · (1 − (1 − i/w)(1 − ratio))
        assertThat(s.at(50)).isCloseTo(1e-4 * 0.95 * (1 - 0.5 * (1 - 1e-6)), within(1e-12));
        assertThat(s.at(100)).isCloseTo(1e-4 * 0.9, within(1e-12));
        assertThat(s.at(1000)).isZero();
        assertThat(new PolySchedule(1e-4, 1e-6, 0.9, 1000, 0, 1e-6).at(500))
                .isCloseTo((1e-4 - 1e-6) * Math.pow(0.5, 0.9) + 1e-6, within(1e-12));
    }
}
