package dev.hybridvit.models;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.hybridvit.data.BatchLoader;
import dev.hybridvit.profile.Timing;
import dev.hybridvit.tensor.Tensors;
import dev.hybridvit.testing.GradientCheck;
import dev.hybridvit.train.Trainer;
import dev.hybridvit.weights.ReferenceFill;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Properties every registered model must have, at a small input size so the suite stays fast:
 * output and feature shapes, finite gradients for every parameter, a working deploy form, and
 * a useful error for an input it cannot take. A new registry entry is covered without new code.
 */
class AllModelsTest {
    static final int SIZE = 64;

    static List<String> models() {
        return ModelRegistry.architectures();
    }

    /** Drop-path off: a randomly dropped branch would legitimately get a zero gradient. */
    private static VisionModel build(String name, int classes) {
        return ModelRegistry.get(name)
                .create(
                        ModelOptions.defaults()
                                .withImageSize(SIZE)
                                .withNumClasses(classes)
                                .withDropPath(0),
                        1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void forwardAndStageShapes(String name) {
        try (VisionModel model = build(name, 10)) {
            NDArray x = model.manager().randomNormal(new Shape(2, 3, SIZE, SIZE));
            assertThat(model.predict(x).getShape()).isEqualTo(new Shape(2, 10));
            List<NDArray> stages = model.forwardStages(x);
            assertThat(stages).hasSize(model.numStages());
            for (int i = 0; i < stages.size(); i++) {
                int side = (int) Math.ceil((double) SIZE / model.stageStrides()[i]);
                assertThat(stages.get(i).getShape())
                        .as("stage %d", i + 1)
                        .isEqualTo(new Shape(2, model.stageChannels()[i], side, side));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void trainingStepGivesFiniteGradientsForEveryParameter(String name) {
        try (VisionModel model = build(name, 10)) {
            model.setTraining(true);
            model.requireGradients(true);
            NDManager m = model.manager();
            try (NDManager step = m.newSubManager()) {
                NDArray x = step.randomNormal(new Shape(2, 3, SIZE, SIZE));
                NDArray labels = step.create(new int[] {3, 7});
                GradientCheck.backward(() -> model.forward(x)
                        .logSoftmax(1)
                        .mul(labels.oneHot(10))
                        .sum()
                        .neg()
                        .div(2));
                // some biases get a zero gradient by construction (a key bias shifts every score of a
                // softmax row equally; a bias feeding a training-mode BN is cancelled)
                GradientCheck.assertGradientsFlow(model, key -> key.endsWith(".bias"));
            }
        }
    }

    /**
     * A training step (with EMA) must close every array it makes: a handle left in the model's
     * manager each step grows memory without bound over a long run.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void trainingStepsLeaveNoArraysBehind(String name) {
        try (VisionModel model = build(name, 10);
                Trainer trainer =
                        new Trainer(model, new Trainer.Config(1, 2, 1e-4, 0, 0, 0, 0.05, 0.1, 1.0, 0.99, 0))) {
            float[] images = Timing.randomInput(2L * 3 * SIZE * SIZE);
            BatchLoader.Batch batch = new BatchLoader.Batch(images, new int[] {3, 7}, 2, new int[] {3, SIZE, SIZE});
            model.setTraining(true);
            trainer.step(batch, 1e-4, false); // first step: lazily created state is allowed
            int after1 = model.manager().getManagedArrays().size();
            trainer.step(batch, 1e-4, false);
            trainer.step(batch, 1e-4, false);
            assertThat(model.manager().getManagedArrays().size())
                    .as("arrays held by the model's manager after steps 1 and 3")
                    .isEqualTo(after1);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void deployFormMatchesEvalForm(String name) {
        try (VisionModel model = build(name, 1000)) {
            // the reference fill randomises BN statistics, so folding is not the identity
            Map<String, NDArray> w = new ReferenceFill(11, 0.8, 2.0).stateDict(model.namedSlots(), model.manager());
            model.loadStateDict(w);
            NDArray x = model.manager().randomNormal(new Shape(2, 3, SIZE, SIZE));
            float[] eval = Tensors.toFloats(model.predict(x));
            model.reparameterize();
            assertThat(model.isReparameterized()).isTrue();
            float[] deploy = Tensors.toFloats(model.predict(x));
            double rel = Tensors.maxAbsDiff(eval, deploy) / Math.max(1e-12, Tensors.maxAbs(eval));
            assertThat(rel).as("deploy vs eval, relative").isLessThanOrEqualTo(1e-5);
            model.reparameterize(); // folds only what is not folded yet: a second call changes nothing
            assertThat(Tensors.toFloats(model.predict(x))).containsExactly(deploy);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void rejectsTooSmallInputWithReasonOrRunsIt(String name) {
        VisionModel arch = ModelRegistry.get(name).architecture(ModelOptions.defaults());
        try {
            arch.checkInputSize(8, 8);
        } catch (IllegalArgumentException e) {
            assertThat(e).hasMessageContaining(name);
            return;
        }
        // accepted (e.g. a compact model with unreduced attention): then it must really run at 8×8
        try (VisionModel model = ModelRegistry.get(name)
                .create(ModelOptions.defaults().withNumClasses(10).withImageSize(8), 0)) {
            assertThat(model.predict(model.manager().zeros(new ai.djl.ndarray.types.Shape(1, 3, 8, 8)))
                            .getShape())
                    .isEqualTo(new ai.djl.ndarray.types.Shape(1, 10));
        }
    }
}
