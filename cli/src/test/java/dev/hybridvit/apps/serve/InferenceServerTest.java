package dev.hybridvit.apps.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hybridvit.data.TestImages;
import dev.hybridvit.export.ExportOptions;
import dev.hybridvit.export.Exporter;
import dev.hybridvit.infer.ImageClassifier;
import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.VisionModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The inference server on an ephemeral loopback port, over real HTTP: every endpoint, every error
 * status, requests that arrive together running as one batch, and a drain that lets requests in
 * flight finish. The model is the compact TRT-ViT at 32 px, exported with its embedding output.
 */
class InferenceServerTest {
    static final String MODEL = "trtvit_pico_hv";
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    static Path tmp;

    static Path onnx;
    static byte[] image, other;

    @BeforeAll
    static void export() throws IOException {
        onnx = tmp.resolve("pico.onnx");
        try (VisionModel m =
                ModelRegistry.get(MODEL).create(ModelOptions.defaults().withImageSize(32), 3)) {
            Exporter.export(
                    m,
                    onnx,
                    ExportOptions.defaults().withDeploy(true).withDynamicBatch().withEmbedding(true));
        }
        image = TestImages.pngBytes(48, 40, 1);
        other = TestImages.pngBytes(40, 60, 2);
    }

    static InferenceServer start(int maxBatch, long maxDelayMs, int queue, long maxBody, long timeoutMs)
            throws IOException {
        ImageClassifier c = ImageClassifier.builder()
                .weights(onnx)
                .threads(1)
                .topK(3)
                .maxBatch(maxBatch)
                .build();
        return InferenceServer.start(
                c,
                "test",
                new InferenceServer.Settings("127.0.0.1", 0, maxBatch, maxDelayMs, queue, maxBody, timeoutMs));
    }

    static HttpResponse<String> get(InferenceServer s, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(uri(s, path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> post(InferenceServer s, String path, byte[] body) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(uri(s, path))
                        .header("Content-Type", "application/octet-stream")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static CompletableFuture<HttpResponse<String>> postAsync(InferenceServer s, byte[] body) {
        return HTTP.sendAsync(
                HttpRequest.newBuilder(uri(s, "/v1/models/" + MODEL + ":predict"))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static URI uri(InferenceServer s, String path) {
        return URI.create("http://127.0.0.1:" + s.port() + path);
    }

    static byte[] multipart(String boundary, byte[]... files) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < files.length; i++) {
            out.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"f" + i
                            + ".png\"\r\nContent-Type: image/png\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(files[i]);
            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        out.write(("--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    @Test
    void endpointsAnswerAndErrorsHaveTheirStatus() throws Exception {
        try (InferenceServer s = start(4, 1, 16, 100_000, 10_000);
                ImageClassifier direct = ImageClassifier.builder()
                        .weights(onnx)
                        .threads(1)
                        .topK(3)
                        .build()) {
            assertThat(get(s, "/healthz").statusCode()).isEqualTo(200);
            assertThat(get(s, "/readyz").statusCode()).isEqualTo(200);
            JsonNode models =
                    JSON.readTree(get(s, "/v1/models").body()).get("models").get(0);
            assertThat(models.get("name").asText()).isEqualTo(MODEL);
            assertThat(models.get("input_size").toString()).isEqualTo("[3,32,32]");
            assertThat(models.get("classes")).hasSize(1000);
            assertThat(models.get("preprocessing").get("interpolation").asText())
                    .isEqualTo("bicubic");

            HttpResponse<String> one = post(s, "/v1/models/" + MODEL + ":predict", image);
            assertThat(one.statusCode()).isEqualTo(200);
            JsonNode top = JSON.readTree(one.body()).get("predictions").get(0);
            ImageClassifier.Result expected = direct.classify(image);
            assertThat(top).hasSize(3);
            assertThat(top.get(0).get("index").asInt())
                    .isEqualTo(expected.top().get(0).index());
            assertThat(top.get(0).get("probability").asDouble())
                    .isCloseTo(expected.top().get(0).probability(), org.assertj.core.data.Offset.offset(1e-6));
            assertThat(JSON.readTree(one.body()).get("version").asText()).isEqualTo("test");

            String boundary = "b0undary";
            HttpResponse<String> two = HTTP.send(
                    HttpRequest.newBuilder(uri(s, "/v1/models/" + MODEL + ":embed"))
                            .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                            .POST(HttpRequest.BodyPublishers.ofByteArray(multipart(boundary, image, other)))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(two.statusCode()).as(two.body()).isEqualTo(200);
            JsonNode embeddings = JSON.readTree(two.body()).get("embeddings");
            assertThat(embeddings).hasSize(2);
            float[] e0 = expected.embedding();
            assertThat(embeddings.get(0)).hasSize(e0.length);
            for (int i = 0; i < e0.length; i++)
                assertThat(embeddings.get(0).get(i).floatValue())
                        .isCloseTo(e0[i], org.assertj.core.data.Offset.offset(1e-4f));

            assertError(post(s, "/v1/models/" + MODEL + ":predict", "not an image".getBytes()), 400, "unknown format");
            assertError(
                    post(s, "/v1/models/" + MODEL + ":predict", Arrays.copyOf(image, image.length / 2)),
                    400,
                    "body: not a readable image");
            assertError(
                    post(s, "/v1/models/" + MODEL + ":predict", TestImages.bombPng(30_000, 30_000)),
                    400,
                    "decompression bomb");
            assertError(post(s, "/v1/models/" + MODEL + ":predict", new byte[0]), 400, "empty body");
            assertError(post(s, "/v1/models/resnet50:predict", image), 404, "no model 'resnet50'");
            assertError(post(s, "/v1/models/" + MODEL + ":explain", image), 404, "unknown call");
            assertError(post(s, "/v1/models/" + MODEL + ":predict", new byte[200_000]), 413, "over the limit");
            // larger than the socket buffers: the client is still sending when the refusal is decided
            for (int i = 0; i < 3; i++) {
                assertError(post(s, "/v1/models/" + MODEL + ":predict", new byte[8 << 20]), 413, "over the limit");
                assertError(post(s, "/v1/models/resnet50:predict", new byte[8 << 20]), 404, "no model 'resnet50'");
            }

            String metrics = get(s, "/metrics").body();
            assertThat(metrics)
                    .contains("hybridvit_requests_seconds_bucket")
                    .contains("status=\"400\"")
                    .contains("status=\"413\"")
                    .contains("hybridvit_batch_size")
                    .contains("hybridvit_queue_depth")
                    .contains("hybridvit_requests_in_flight");
        }
    }

    static void assertError(HttpResponse<String> r, int status, String reason) throws IOException {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(JSON.readTree(r.body()).get("error").asText()).contains(reason);
    }

    @Test
    void requestsArrivingTogetherRunAsOneBatch() throws Exception {
        try (InferenceServer s = start(8, 500, 64, 100_000, 10_000)) {
            List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
            for (int i = 0; i < 6; i++) all.add(postAsync(s, i % 2 == 0 ? image : other));
            for (var f : all) assertThat(f.get().statusCode()).isEqualTo(200);
            var sizes = s.metrics().get("hybridvit_batch_size").summary();
            assertThat(sizes.totalAmount()).isEqualTo(6);
            assertThat(sizes.max()).as("largest batch").isGreaterThan(1);
            assertThat(sizes.count()).as("forward passes").isLessThan(6);
        }
    }

    @Test
    void aFullQueueAnswers503AndASlowRequest504() throws Exception {
        // a batch window longer than the test: two images wait, the third finds the queue full
        try (InferenceServer s = start(8, 5_000, 2, 100_000, 1_500)) {
            var first = postAsync(s, image);
            var second = postAsync(s, image);
            var depth = s.metrics().get("hybridvit_queue_depth").gauge();
            while (depth.value() < 2) Thread.sleep(10);
            HttpResponse<String> third = post(s, "/v1/models/" + MODEL + ":predict", image);
            assertError(third, 503, "queue is full");
            assertThat(third.headers().firstValue("Retry-After")).hasValue("1");
            assertError(first.get(), 504, "no answer within 1500 ms");
            assertError(second.get(), 504, "no answer within 1500 ms");
        }
    }

    @Test
    void drainFinishesRequestsInFlightAndRefusesNewOnes() throws Exception {
        InferenceServer s = start(8, 600, 16, 100_000, 10_000);
        int port = s.port();
        var inFlight = List.of(postAsync(s, image), postAsync(s, other));
        var depth = s.metrics().get("hybridvit_queue_depth").gauge();
        while (depth.value() < 2) Thread.sleep(10);
        CompletableFuture<Boolean> drained = CompletableFuture.supplyAsync(() -> s.drain(Duration.ofSeconds(10)));
        Thread.sleep(100);
        HttpResponse<String> late = post(s, "/v1/models/" + MODEL + ":predict", image);
        assertThat(late.statusCode()).isEqualTo(503);
        for (var f : inFlight) assertThat(f.get().statusCode()).isEqualTo(200);
        assertThat(drained.get()).as("every request in flight finished").isTrue();
        assertThat(CompletableFuture.supplyAsync(() -> {
                            try {
                                return HTTP.send(
                                                HttpRequest.newBuilder(
                                                                URI.create("http://127.0.0.1:" + port + "/healthz"))
                                                        .build(),
                                                HttpResponse.BodyHandlers.discarding())
                                        .statusCode();
                            } catch (Exception e) {
                                return -1;
                            }
                        })
                        .get())
                .as("stopped")
                .isEqualTo(-1);
    }

    @Test
    void aPortInUseIsAOneLineError() throws Exception {
        try (InferenceServer s = start(1, 0, 4, 100_000, 1_000)) {
            ImageClassifier c =
                    ImageClassifier.builder().weights(onnx).threads(1).build();
            try {
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> InferenceServer.start(
                                c, "t", new InferenceServer.Settings("127.0.0.1", s.port(), 1, 0, 4, 1000, 1000)))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("cannot listen on 127.0.0.1:" + s.port());
            } finally {
                c.close();
            }
        }
    }
}
