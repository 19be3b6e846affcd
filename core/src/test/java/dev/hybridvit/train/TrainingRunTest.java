package dev.hybridvit.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.hybridvit.data.Augmentation;
import dev.hybridvit.data.DataSources;
import dev.hybridvit.data.FashionMnist;
import dev.hybridvit.weights.Checkpoint;
import dev.hybridvit.weights.SafeTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A run stopped mid-epoch (what Ctrl-C does, through the same stop signal) and resumed ends with
 * exactly the weights, optimizer state and EMA of an uninterrupted run, with every augmentation on.
 */
class TrainingRunTest {
    @TempDir Path tmp;

    /** Largest absolute difference over all tensors of two checkpoints (same keys required). */
    static double maxDifference(Path a, Path b) throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> wa = SafeTensors.read(a, m), wb = SafeTensors.read(b, m);
            assertThat(wb.keySet()).isEqualTo(wa.keySet());
            double worst = 0;
            for (String k : wa.keySet()) {
                worst = Math.max(worst, wa.get(k).toType(DataType.FLOAT64, false)
                        .sub(wb.get(k).toType(DataType.FLOAT64, false)).abs().max().getDouble());
            }
            return worst;
        }
    }

    @Test
    void stoppedMidEpochThenResumedEqualsUninterruptedWithAugmentation() throws Exception {
        DataSources.fashionMnistDir(); // fails with instructions when the data is missing
        Augmentation aug = Augmentation.none().withAutoAugment("rand-m9-mstd0.5").withRandomErasing(0.25).withMixup(0.8, 1.0);
        TrainingRun.Options base = new TrainingRun.Options("nextvit_pico_hv", DataSources.FASHION_MNIST, 32, 32, 2, 2e-3, 1e-5, 1e-5,
                0.5, 0.05, 0.1, 0.1, 0.9, 5.0, 11, 2, tmp.resolve("a"), null, null, null, 256, 64, 0).withAugmentation(aug);
        TrainingRun.Listener quiet = listener(p -> {});
        TrainingRun.Result full = TrainingRun.run(base, quiet);
        assertThat(full.stopped()).isNull();
        assertThat(full.history()).hasSize(2);
        assertThat(full.history().get(1).valLoss()).isFinite();
        BufferedImage curves = ImageIO.read(base.output().resolve(TrainingRun.CURVES).toFile());
        assertThat(curves.getWidth()).isGreaterThan(800);

        // stop in epoch 2 (of 8 batches each) after its third step, as the Ctrl-C hook would
        TrainingRun.Options b = base.withOutput(tmp.resolve("b"));
        StopSignal stop = new StopSignal();
        TrainingRun.Result first = TrainingRun.run(b, listener(p -> {
            if (p.epoch() == 1 && p.done() == 3) stop.request();
        }), stop);
        assertThat(first.stopped()).isEqualTo(new TrainingRun.Stopped(2, 3, 8));
        Checkpoint.Info info = Checkpoint.info(first.last()).orElseThrow();
        assertThat(info.epoch()).isEqualTo(1);
        assertThat(((Number) info.extra().get("optimizer_steps")).longValue()).isEqualTo(11L);

        TrainingRun.Result resumed = TrainingRun.run(b.withResume(first.last()), quiet);
        assertThat(resumed.stopped()).isNull();
        assertThat(resumed.history()).hasSize(2);
        assertThat(maxDifference(full.last(), resumed.last())).as("weights, AdamW moments, EMA").isLessThanOrEqualTo(1e-6);
        // the interrupted epoch's statistics continue from the checkpoint's running sums
        assertThat(resumed.history().get(1).trainLoss()).isCloseTo(full.history().get(1).trainLoss(), org.assertj.core.data.Offset.offset(1e-5));
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

    private static TrainingRun.Listener listener(java.util.function.Consumer<Trainer.Progress> onProgress) {
        return new TrainingRun.Listener() {
            @Override public void progress(Trainer.Progress p) { onProgress.accept(p); }
            @Override public void epoch(TrainingRun.EpochRecord r) {}
            @Override public void log(String message) { System.out.println(message); }
        };
    }
}
