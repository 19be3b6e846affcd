package dev.hybridvit.cli;

import dev.hybridvit.apps.serve.InferenceServer;
import dev.hybridvit.infer.ImageClassifier;
import dev.hybridvit.infer.Predictor;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/** {@code serve --model M --weights W}: the HTTP inference server with dynamic batching. */
@Command(
        name = "serve",
        description = "HTTP inference server: POST /v1/models/NAME:predict and :embed (an image body, or multipart "
                + "with several), GET /v1/models, /healthz, /readyz, /metrics (Prometheus). Requests arriving "
                + "within --max-delay-ms run as one batch. SIGTERM drains in-flight requests and exits 0.")
final class ServeCommand implements Callable<Integer> {
    @Option(names = "--model", description = "registered model name (optional for an .onnx file or a checkpoint)")
    String model;

    @Option(names = "--weights", required = true, description = "weights, a train checkpoint or an exported .onnx")
    Path weights;

    @Option(
            names = "--host",
            defaultValue = "127.0.0.1",
            description = "address to listen on (default ${DEFAULT-VALUE})")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "port (0: any free one; default ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--threads", defaultValue = "0", description = "ONNX Runtime intra-op threads (0: one per core)")
    int threads;

    @Option(
            names = "--max-batch",
            defaultValue = "8",
            description = "most images per forward pass; 1 turns batching off (default ${DEFAULT-VALUE})")
    int maxBatch;

    @Option(
            names = "--max-delay-ms",
            defaultValue = "5",
            description = "how long a batch waits for more requests (default ${DEFAULT-VALUE})")
    long maxDelayMs;

    @Option(
            names = "--queue",
            defaultValue = "256",
            description = "most images waiting; beyond, 503 + Retry-After (default ${DEFAULT-VALUE})")
    int queue;

    @Option(
            names = "--max-body-mb",
            defaultValue = "16",
            description = "largest request body in MiB; beyond, 413 (default ${DEFAULT-VALUE})")
    double maxBodyMb;

    @Option(
            names = "--timeout-ms",
            defaultValue = "30000",
            description = "per-request limit; beyond, 504 (default ${DEFAULT-VALUE})")
    long timeoutMs;

    @Option(
            names = "--drain-seconds",
            defaultValue = "30",
            description = "how long SIGTERM waits for in-flight requests (default ${DEFAULT-VALUE})")
    int drainSeconds;

    @Option(names = "--topk", defaultValue = "5")
    int topk;

    @Option(
            names = "--runtime",
            defaultValue = "onnx",
            description = "onnx (deploy export in ONNX Runtime, default) or torch")
    String runtime;

    @Option(names = "--num-classes", description = "classifier size for plain weights (default 1000)")
    int numClasses;

    @Option(names = "--img-size", description = "input size for plain weights (default: native)")
    int imgSize;

    @Override
    public Integer call() throws Exception {
        InferenceServer.Settings settings = new InferenceServer.Settings(
                host, port, maxBatch, maxDelayMs, queue, (long) (maxBodyMb * 1024 * 1024), timeoutMs);
        ImageClassifier classifier = ImageClassifier.builder()
                .model(model)
                .weights(weights)
                .runtime(Predictor.Runtime.parse(runtime))
                .threads(threads)
                .topK(topk)
                .maxBatch(maxBatch)
                .numClasses(numClasses)
                .imageSize(imgSize)
                .build();
        InferenceServer server;
        try {
            server = InferenceServer.start(classifier, version(weights), settings);
        } catch (RuntimeException e) {
            classifier.close();
            throw e;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runnable drain = () -> {
            System.err.println("draining: finishing requests in flight, then stopping");
            boolean clean = server.drain(Duration.ofSeconds(drainSeconds));
            System.err.println(
                    clean ? "stopped" : "stopped with requests still in flight after " + drainSeconds + " s");
            stopped.countDown();
        };
        for (String sig : new String[] {"TERM", "INT"}) Signal.handle(new Signal(sig), s -> new Thread(drain).start());
        System.err.printf(
                "serving %s (%s, %s) on http://%s:%d: max batch %d, max delay %d ms, queue %d%n",
                classifier.modelName(),
                classifier.runtime().name().toLowerCase(java.util.Locale.ROOT),
                weights.getFileName(),
                host,
                server.port(),
                maxBatch,
                maxDelayMs,
                queue);
        stopped.await();
        return 0;
    }

    /** The weights' identity in answers: the first 12 hex digits of their SHA-256. */
    static String version(Path file) throws IOException {
        try (DigestInputStream in =
                new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(in.getMessageDigest().digest()).substring(0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
