package dev.hybridvit.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.hybridvit.data.TestImages;
import dev.hybridvit.export.ExportOptions;
import dev.hybridvit.export.Exporter;
import dev.hybridvit.infer.ImageClassifier;
import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.VisionModel;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code batch-predict} on {@code local[2]}: a few hundred generated images (and two broken ones) in,
 * one Parquet row each out, equal to single-process prediction with the same model; broken images
 * get an error row; an existing output, a missing model file and an unreachable master are one-line
 * errors with exit code 2.
 */
class BatchPredictTest {
    static final int IMAGES = 200;

    @TempDir
    Path tmp;

    @Test
    void sparkRowsEqualSingleProcessPredictions() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("images/sub"));
        for (int i = 0; i < IMAGES; i++)
            TestImages.png(dir.resolve("img" + i + ".png"), 24 + i % 17, 40 - i % 13, i + 1);
        Files.writeString(dir.resolve("not-an-image.png"), "hello");
        byte[] good = Files.readAllBytes(dir.resolve("img0.png"));
        Files.write(dir.resolve("truncated.png"), Arrays.copyOf(good, good.length / 2));
        Path onnx = tmp.resolve("pico.onnx");
        try (VisionModel m = ModelRegistry.get("trtvit_pico_hv")
                .create(ModelOptions.defaults().withImageSize(32), 5)) {
            Exporter.export(
                    m,
                    onnx,
                    ExportOptions.defaults().withDeploy(true).withDynamicBatch().withEmbedding(true));
        }
        Path out = tmp.resolve("out.parquet");
        BatchPredict job = new BatchPredict();
        job.weights = onnx;
        job.input = tmp.resolve("images").toString();
        job.output = out.toString();
        job.topk = 3;
        job.embeddings = true;
        job.batch = 16;
        job.threads = 1;
        job.partitions = 2;
        SparkSession spark = SparkSession.builder()
                .master("local[2]")
                .appName("test")
                .config("spark.ui.enabled", "false")
                .getOrCreate();
        try (ImageClassifier single =
                ImageClassifier.builder().weights(onnx).topK(3).threads(1).build()) {
            assertThat(job.predict(spark, Files.readAllBytes(onnx))).isEqualTo(IMAGES + 2);
            Map<String, Row> byName = new HashMap<>();
            for (Row r : spark.read().parquet(out.toString()).collectAsList())
                byName.put(
                        Path.of(java.net.URI.create(r.getAs("path")))
                                .getFileName()
                                .toString(),
                        r);
            assertThat(byName).hasSize(IMAGES + 2);
            assertThat((String) byName.get("not-an-image.png").getAs("error")).contains("not a readable image");
            assertThat((String) byName.get("truncated.png").getAs("error")).contains("not a readable image");
            assertThat(byName.get("truncated.png").<Object>getAs("top_indices")).isNull();
            for (int i = 0; i < IMAGES; i++) {
                Row r = byName.get("img" + i + ".png");
                assertThat((String) r.getAs("error")).isNull();
                ImageClassifier.Result expected = single.classify(dir.resolve("img" + i + ".png"));
                List<Integer> indices = r.getList(r.fieldIndex("top_indices"));
                List<Double> probabilities = r.getList(r.fieldIndex("top_probabilities"));
                List<Float> embedding = r.getList(r.fieldIndex("embedding"));
                for (int k = 0; k < 3; k++) {
                    assertThat(indices.get(k)).isEqualTo(expected.top().get(k).index());
                    assertThat(probabilities.get(k))
                            .isCloseTo(expected.top().get(k).probability(), within(1e-6));
                }
                for (int k = 0; k < embedding.size(); k++)
                    assertThat(embedding.get(k)).isCloseTo(expected.embedding()[k], within(1e-5f));
            }
        } finally {
            spark.stop();
        }
        assertThat(Files.list(tmp).map(p -> p.getFileName().toString()))
                .as("no temporary output left")
                .containsExactlyInAnyOrder("images", "pico.onnx", "out.parquet");

        // the same output again without --overwrite: refused before Spark starts
        String err = runErr("--weights", onnx.toString(), "--input", job.input, "--output", out.toString());
        assertThat(err).isEqualTo("error: " + out + " exists: pass --overwrite to replace it");
    }

    @Test
    void badInputIsAOneLineError() throws Exception {
        Path onnx = tmp.resolve("missing.onnx");
        assertThat(runErr(
                        "--weights",
                        onnx.toString(),
                        "--input",
                        tmp.toString(),
                        "--output",
                        tmp.resolve("o.parquet").toString()))
                .isEqualTo("error: no such file: " + onnx);
        Path model = Files.writeString(tmp.resolve("model.onnx"), "not onnx");
        assertThat(runErr(
                        "--weights",
                        model.toString(),
                        "--input",
                        tmp.toString(),
                        "--output",
                        tmp.resolve("o.parquet").toString(),
                        "--master",
                        "spark://127.0.0.1:1"))
                .isEqualTo("error: cannot reach the Spark master spark://127.0.0.1:1");
    }

    private static String runErr(String... args) {
        PrintStream old = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true));
        int code;
        try {
            code = BatchPredict.run(args);
        } finally {
            System.setErr(old);
        }
        assertThat(code).isEqualTo(2);
        return buf.toString().strip();
    }
}
