package dev.hybridvit.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hybridvit.data.BatchLoader;
import dev.hybridvit.data.DataSources;
import dev.hybridvit.data.FashionMnist;
import dev.hybridvit.data.Transform;
import dev.hybridvit.data.Transforms;
import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.ModelSpec;
import dev.hybridvit.models.VisionModel;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** A short run on real Fashion-MNIST images learns: accuracy far above the 10% of chance, for the weights and their EMA. */
class TrainerTest {
    @Test
    void twoEpochsOnASubsetLearn() throws Exception {
        Path data = DataSources.fashionMnistDir(); // the repository bundles the files
        FashionMnist train = FashionMnist.load(data, "train").head(3000);
        FashionMnist test = FashionMnist.load(data, "t10k").head(1000);
        int size = 32;
        Transform eval = Transforms.toRgb()
                .then(Transforms.resize(size))
                .then(Transforms.normalize(ModelSpec.IMAGENET_MEAN, ModelSpec.IMAGENET_STD));
        Transform aug = Transforms.toRgb()
                .then(Transforms.resize(size))
                .then(Transforms.randomCrop(2))
                .then(Transforms.horizontalFlip())
                .then(Transforms.normalize(ModelSpec.IMAGENET_MEAN, ModelSpec.IMAGENET_STD));
        ModelOptions options = ModelOptions.defaults().withNumClasses(10).withImageSize(size);
        Trainer.Config cfg = new Trainer.Config(2, 64, 2e-3, 1e-5, 1e-5, 0.2, 0.05, 0.1, 5.0, 0.998, 1);
        try (VisionModel model = ModelRegistry.get("nextvit_pico_hv").create(options, 1);
                BatchLoader trainLoader = new BatchLoader(train, aug, cfg.batchSize(), true, true, 1, 2);
                BatchLoader testLoader = new BatchLoader(test, eval, 200, false, false, 1, 2);
                Trainer trainer = new Trainer(model, cfg)) {
            for (int e = 0; e < cfg.epochs(); e++) {
                Trainer.EpochStats s = trainer.trainEpoch(trainLoader, e, p -> {});
                assertThat(s.loss()).as("epoch %d loss", e + 1).isFinite();
            }
            Evaluator.Result r = Evaluator.evaluate(model, testLoader);
            assertThat(r.top1()).as("test top-1").isGreaterThan(0.5);
            assertThat(r.images()).isEqualTo(1000);
            // the EMA warms up (decay (1+t)/(10+t) early), so after 94 steps it is a usable model too
            Evaluator.Result ema = TrainingRun.withWeights(
                    model, trainer.ema().weights(), () -> Evaluator.evaluate(model, testLoader));
            assertThat(ema.top1()).as("EMA test top-1").isGreaterThan(0.5);
        }
    }
}
