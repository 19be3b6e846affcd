package dev.hybridvit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hybridvit.data.TestImages;
import dev.hybridvit.export.ExportOptions;
import dev.hybridvit.export.Exporter;
import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.VisionModel;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve} as a process: SIGTERM while a request is in flight lets that request finish with
 * 200, then the process exits 0.
 */
class ServeProcessTest {
    @TempDir
    Path tmp;

    @Test
    void sigtermDrainsTheRequestInFlightAndExitsZero() throws Exception {
        Path onnx = tmp.resolve("pico.onnx");
        try (VisionModel m = ModelRegistry.get("trtvit_pico_hv")
                .create(ModelOptions.defaults().withImageSize(32), 3)) {
            Exporter.export(m, onnx, ExportOptions.defaults().withDeploy(true).withDynamicBatch());
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        // a batch waits up to 2 s for company, so the one request below is still in flight at SIGTERM
        ProcessBuilder pb = new ProcessBuilder(
                        java,
                        "-Dai.djl.offline=true",
                        Main.class.getName(),
                        "serve",
                        "--weights",
                        onnx.toString(),
                        "--port",
                        "0",
                        "--threads",
                        "1",
                        "--max-batch",
                        "8",
                        "--max-delay-ms",
                        "2000")
                .redirectErrorStream(true)
                .redirectOutput(tmp.resolve("serve.log").toFile());
        // the class path goes through the environment: ONNX Runtime fails on very long command lines
        pb.environment().put("CLASSPATH", System.getProperty("java.class.path"));
        Process server = pb.start();
        try {
            Path log = tmp.resolve("serve.log");
            Pattern serving = Pattern.compile("serving .* on http://127\\.0\\.0\\.1:(\\d+)");
            int port = -1;
            for (long deadline = System.nanoTime() + 60_000_000_000L; port < 0 && System.nanoTime() < deadline; ) {
                Matcher m = serving.matcher(Files.readString(log));
                if (m.find()) port = Integer.parseInt(m.group(1));
                else Thread.sleep(50);
            }
            assertThat(port).as("server log: %s", Files.readString(log)).isPositive();

            HttpClient http = HttpClient.newHttpClient();
            CompletableFuture<HttpResponse<String>> inFlight = http.sendAsync(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/models/trtvit_pico_hv:predict"))
                            .timeout(Duration.ofSeconds(30))
                            .POST(HttpRequest.BodyPublishers.ofByteArray(TestImages.pngBytes(40, 40, 1)))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            // wait until the server counts it in flight (its handler waits for the batch to fill)
            URI metrics = URI.create("http://127.0.0.1:" + port + "/metrics");
            for (long deadline = System.nanoTime() + 30_000_000_000L; System.nanoTime() < deadline; Thread.sleep(50)) {
                String text = http.send(HttpRequest.newBuilder(metrics).build(), HttpResponse.BodyHandlers.ofString())
                        .body();
                if (text.contains("hybridvit_requests_in_flight 1.0")) break;
            }
            assertThat(inFlight).isNotDone();

            server.destroy(); // SIGTERM
            HttpResponse<String> answer;
            try {
                answer = inFlight.get(30, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                server.waitFor(30, TimeUnit.SECONDS);
                Thread.sleep(500);
                throw new AssertionError("no answer: " + e.getCause() + "; server log: " + Files.readString(log));
            }
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
            assertThat(answer.body()).contains("\"predictions\"");
            assertThat(server.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(server.exitValue()).isZero();
            assertThat(Files.readAllLines(log))
                    .anyMatch(l -> l.startsWith("draining"))
                    .contains("stopped");
        } finally {
            server.destroyForcibly();
        }
    }
}
