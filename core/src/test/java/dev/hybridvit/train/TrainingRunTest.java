package dev.hybridvit.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.hybridvit.data.Augmentation;
import dev.hybridvit.data.DataSources;
import dev.hybridvit.data.FashionMnist;
import dev.hybridvit.weights.Checkpoint;
import dev.hybridvit.weights.SafeTensors;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run stopped mid-epoch (what Ctrl-C does, through the same stop signal) and resumed ends with
 * exactly the weights, optimizer state and EMA of an uninterrupted run, with every augmentation on.
 */
class TrainingRunTest {
    @TempDir
    Path tmp;

    /** Largest absolute difference over all tensors of two checkpoints (same keys required). */
    static double maxDifference(Path a, Path b) throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> wa = SafeTensors.read(a, m), wb = SafeTensors.read(b, m);
            assertThat(wb.keySet()).isEqualTo(wa.keySet());
            double worst = 0;
            for (String k : wa.keySet()) {
                worst = Math.max(
                        worst,
                        wa.get(k)
                                .toType(DataType.FLOAT64, false)
                                .sub(wb.get(k).toType(DataType.FLOAT64, false))
                                .abs()
                                .max()
                                .getDouble());
            }
            return worst;
        }
    }

    @Test
    void stoppedMidEpochThenResumedEqualsUninterruptedWithAugmentation() throws Exception {
        DataSources.fashionMnistDir(); // fails with instructions when the data is missing
        Augmentation aug = Augmentation.none()
                .withAutoAugment("rand-m9-mstd0.5")
                .withRandomErasing(0.25)
                .withMixup(0.8, 1.0);
        TrainingRun.Options base = new TrainingRun.Options(
                        "nextvit_pico_hv",
                        DataSources.FASHION_MNIST,
                        32,
                        32,
                        2,
                        2e-3,
                        1e-5,
                        1e-5,
                        0.5,
                        0.05,
                        0.1,
                        0.1,
                        0.9,
                        5.0,
                        11,
                        2,
                        tmp.resolve("a"),
                        null,
                        null,
                        null,
                        256,
                        64,
                        0)
                .withAugmentation(aug);
        List<String> fullLog = new ArrayList<>();
        TrainingRun.Result full = TrainingRun.run(base, listener(p -> {}, fullLog));
        assertThat(full.stopped()).isNull();
        assertThat(fullLog)
                .hasSize(1)
                .first()
                .asString()
                .startsWith("nextvit_pico_hv at 32 px, 10 classes; 256 train / 64 val images");
        assertThat(full.history()).hasSize(2);
        assertThat(full.history().get(1).valLoss()).isFinite();
        BufferedImage curves =
                ImageIO.read(base.output().resolve(TrainingRun.CURVES).toFile());
        assertThat(curves.getWidth()).isGreaterThan(800);

        // stop in epoch 2 (of 8 batches each) after its third step, as the Ctrl-C hook would
        TrainingRun.Options b = base.withOutput(tmp.resolve("b"));
        StopSignal stop = new StopSignal();
        List<String> firstLog = new ArrayList<>();
        TrainingRun.Result first = TrainingRun.run(
                b,
                listener(
                        p -> {
                            if (p.epoch() == 1 && p.done() == 3) stop.request();
                        },
                        firstLog),
                stop);
        assertThat(first.stopped()).isEqualTo(new TrainingRun.Stopped(2, 3, 8));
        assertThat(firstLog)
                .last()
                .asString()
                .isEqualTo(
                        "stopped in epoch 2 at batch 3/8; " + first.last() + " holds the exact state to resume from");
        Checkpoint.Info info = Checkpoint.info(first.last()).orElseThrow();
        assertThat(info.epoch()).isEqualTo(1);
        assertThat(((Number) info.extra().get("optimizer_steps")).longValue()).isEqualTo(11L);

        List<String> resumedLog = new ArrayList<>();
        TrainingRun.Result resumed = TrainingRun.run(b.withResume(first.last()), listener(p -> {}, resumedLog));
        assertThat(resumed.stopped()).isNull();
        assertThat(resumedLog)
                .contains("resumed from " + first.last() + " after epoch 1 and batch 3 of epoch 2 (step 11)");
        assertThat(resumed.history()).hasSize(2);
        assertThat(maxDifference(full.last(), resumed.last()))
                .as("weights, AdamW moments, EMA")
                .isLessThanOrEqualTo(1e-6);
        // the interrupted epoch's statistics continue from the checkpoint's running sums
        assertThat(resumed.history().get(1).trainLoss())
                .isCloseTo(full.history().get(1).trainLoss(), org.assertj.core.data.Offset.offset(1e-5));
    }

    @Test
    void confusionChartIsAPng() throws Exception {
        long[][] m = new long[10][10];
        for (int i = 0; i < 10; i++) {
            m[i][i] = 90 + i;
            m[i][(i + 1) % 10] = 10 - i;
        }
        Path png = tmp.resolve("confusion.png");
        Charts.confusion(m, FashionMnist.CLASSES, png);
        BufferedImage img = ImageIO.read(png.toFile());
        assertThat(img.getWidth()).isGreaterThanOrEqualTo(600);
    }

    /** A listener that hands progress to {@code onProgress} and collects the run's log lines into {@code log}. */
    private static TrainingRun.Listener listener(Consumer<Trainer.Progress> onProgress, List<String> log) {
        return new TrainingRun.Listener() {
            @Override
            public void progress(Trainer.Progress p) {
                onProgress.accept(p);
            }

            @Override
            public void epoch(TrainingRun.EpochRecord r) {}

            @Override
            public void log(String message) {
                log.add(message);
            }
        };
    }
}
