package dev.hybridvit.apps.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hybridvit.data.ImageFiles;
import dev.hybridvit.data.Preprocessing;
import dev.hybridvit.infer.ImageClassifier;
import io.javalin.Javalin;
import io.javalin.config.SizeUnit;
import io.javalin.http.Context;
import io.javalin.http.UploadedFile;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP inference server for one {@link ImageClassifier} (Javalin on Jetty 12):
 * <ul>
 * <li>{@code POST /v1/models/NAME:predict}: the body is one encoded image, or {@code multipart/form-data}
 *     with several; the answer lists the top-k classes of each;</li>
 * <li>{@code POST /v1/models/NAME:embed}: the same inputs, their embeddings;</li>
 * <li>{@code GET /v1/models}: the model, its input size, preprocessing and classes;</li>
 * <li>{@code GET /healthz} (the process is up), {@code GET /readyz} (it takes requests; 503 while
 *     draining), {@code GET /metrics} (Prometheus text: requests by endpoint and status with a latency
 *     histogram, batch sizes, queue depth, requests in flight).</li>
 * </ul>
 * Images are decoded and preprocessed on the request threads, in parallel, then run by a
 * {@link Batcher}. Errors are JSON {@code {"error": "..."}}: 400 for a body that is not a usable
 * image (with the reason), 404 for another model or verb, 413 for a body over the limit, 503 with
 * {@code Retry-After} when the queue is full or the server is draining, 504 when a request
 * outlives its timeout. {@link #drain} stops taking requests, lets those in flight finish and stops.
 */
public final class InferenceServer implements AutoCloseable {
    /**
     * @param maxBatch   most images per forward pass (1: no batching)
     * @param maxDelayMs how long the first image of a batch waits for others
     * @param queue      most images waiting for a forward pass; more get 503
     * @param maxBodyBytes largest request body; larger gets 413
     * @param timeoutMs  per-request limit from arrival to answer; past it 504
     */
    public record Settings(
            String host, int port, int maxBatch, long maxDelayMs, int queue, long maxBodyBytes, long timeoutMs) {
        public Settings {
            if (port < 0 || port > 65535) throw new IllegalArgumentException("--port must be 0..65535, got " + port);
            if (maxBodyBytes < 1) throw new IllegalArgumentException("--max-body-mb must be positive");
            if (timeoutMs < 1) throw new IllegalArgumentException("--timeout-ms must be positive, got " + timeoutMs);
        }
    }

    /** A request the server answers with {@code status} and a one-line reason. */
    private static final class Refusal extends RuntimeException {
        final int status;

        Refusal(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String RETRY_AFTER_SECONDS = "1";
    private static final long FLUSH_MILLIS = 200;
    private static final long DISCARD_BYTES = 64L << 20;

    private final ImageClassifier classifier;
    private final String version;
    private final Settings settings;
    private final Batcher batcher;
    private final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final DistributionSummary batchSizes;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final java.util.concurrent.Semaphore decoders =
            new java.util.concurrent.Semaphore(Runtime.getRuntime().availableProcessors());
    private final Javalin app;
    private final int port;
    private volatile boolean draining;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * Starts serving {@code classifier} (which the server closes); {@code version} identifies the
     * weights in answers (e.g. a digest of the file).
     */
    public static InferenceServer start(ImageClassifier classifier, String version, Settings settings) {
        return new InferenceServer(classifier, version, settings);
    }

    private InferenceServer(ImageClassifier classifier, String version, Settings settings) {
        this.classifier = classifier;
        this.version = version;
        this.settings = settings;
        this.batchSizes = DistributionSummary.builder("hybridvit_batch_size")
                .description("images per forward pass")
                .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64)
                .register(metrics);
        this.batcher = new Batcher(
                classifier, settings.maxBatch(), settings.maxDelayMs(), settings.queue(), batchSizes::record);
        Gauge.builder("hybridvit_queue_depth", batcher, Batcher::queued)
                .description("images waiting for a forward pass")
                .register(metrics);
        Gauge.builder("hybridvit_requests_in_flight", inFlight, AtomicInteger::get)
                .description("requests being handled")
                .register(metrics);
        this.app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.http.maxRequestSize = settings.maxBodyBytes();
            config.jetty.multipartConfig.maxTotalRequestSize(settings.maxBodyBytes(), SizeUnit.BYTES);
            config.jetty.multipartConfig.maxFileSize(settings.maxBodyBytes(), SizeUnit.BYTES);
            config.jetty.multipartConfig.maxInMemoryFileSize(
                    (int) Math.min(Integer.MAX_VALUE, settings.maxBodyBytes()), SizeUnit.BYTES);
            config.routes.get("/healthz", ctx -> ctx.json(Map.of("status", "ok")));
            config.routes.get("/readyz", ctx -> {
                if (draining) ctx.status(503).header("Retry-After", RETRY_AFTER_SECONDS);
                ctx.json(Map.of("status", draining ? "draining" : "ready"));
            });
            config.routes.get(
                    "/metrics",
                    ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                            .result(metrics.scrape()));
            config.routes.get(
                    "/v1/models", ctx -> timed(ctx, "models", () -> ctx.json(Map.of("models", List.of(describe())))));
            config.routes.post("/v1/models/{call}", this::call);
        });
        try {
            app.start(settings.host(), settings.port());
        } catch (RuntimeException e) {
            batcher.close();
            throw new IllegalArgumentException(
                    "cannot listen on " + settings.host() + ":" + settings.port() + ": " + rootMessage(e));
        }
        this.port = app.port();
    }

    /** The port the server listens on (the one chosen when {@link Settings#port} was 0). */
    public int port() {
        return port;
    }

    /** The Prometheus registry behind {@code /metrics}. */
    public PrometheusMeterRegistry metrics() {
        return metrics;
    }

    private Map<String, Object> describe() {
        Preprocessing pre = classifier.preprocessing();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", classifier.modelName());
        m.put("version", version);
        m.put("runtime", classifier.runtime().name().toLowerCase(java.util.Locale.ROOT));
        m.put("input_size", List.of(3, pre.size(), pre.size()));
        m.put("preprocessing", pre.metadata());
        m.put("embedding", classifier.hasEmbedding());
        m.put("max_batch", settings.maxBatch());
        m.put("num_classes", classifier.classNames().size());
        m.put("classes", classifier.classNames());
        return m;
    }

    /** {@code POST /v1/models/NAME:predict|embed}. */
    private void call(Context ctx) {
        String call = ctx.pathParam("call");
        int colon = call.lastIndexOf(':');
        String name = colon < 0 ? call : call.substring(0, colon), verb = colon < 0 ? "" : call.substring(colon + 1);
        String endpoint = verb.equals("predict") || verb.equals("embed") ? verb : "unknown";
        timed(ctx, endpoint, () -> {
            if (!name.equals(classifier.modelName()))
                throw new Refusal(404, "no model '" + name + "'; this server has " + classifier.modelName());
            if (endpoint.equals("unknown"))
                throw new Refusal(404, "unknown call '" + call + "': use " + name + ":predict or " + name + ":embed");
            if (verb.equals("embed") && !classifier.hasEmbedding())
                throw new Refusal(404, name + " was exported without its embedding output; re-export with --embedding");
            List<float[]> inputs = inputs(ctx);
            List<CompletableFuture<ImageClassifier.Result>> futures = new ArrayList<>();
            try {
                for (float[] x : inputs) futures.add(batcher.submit(x));
            } catch (Batcher.QueueFullException e) {
                futures.forEach(f -> f.cancel(false));
                throw new Refusal(503, e.getMessage());
            }
            CompletableFuture<Void> all = CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
                    .orTimeout(settings.timeoutMs(), TimeUnit.MILLISECONDS);
            try {
                all.join();
            } catch (CompletionException e) {
                futures.forEach(f -> f.cancel(false));
                if (e.getCause() instanceof TimeoutException)
                    throw new Refusal(504, "no answer within " + settings.timeoutMs() + " ms");
                throw e;
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("model", classifier.modelName());
            out.put("version", version);
            List<Object> rows = new ArrayList<>();
            for (CompletableFuture<ImageClassifier.Result> f : futures) {
                ImageClassifier.Result r = f.join();
                rows.add(verb.equals("predict") ? r.top() : r.embedding());
            }
            out.put(verb.equals("predict") ? "predictions" : "embeddings", rows);
            ctx.json(out);
        });
    }

    /** The request's images, preprocessed: the raw body, or every part of a multipart body. */
    private List<float[]> inputs(Context ctx) {
        long declared = ctx.contentLength();
        if (declared > settings.maxBodyBytes()) {
            throw new Refusal(413, "body of " + declared + " bytes is over the limit of " + settings.maxBodyBytes());
        }
        List<float[]> inputs = new ArrayList<>();
        try {
            if (ctx.isMultipartFormData()) {
                List<UploadedFile> files = ctx.uploadedFiles();
                if (files.isEmpty()) throw new Refusal(400, "the multipart body has no file parts");
                for (UploadedFile f : files) {
                    try (var in = f.content()) {
                        inputs.add(preprocess(in.readAllBytes(), "part '" + f.filename() + "'"));
                    }
                }
            } else {
                byte[] body = ctx.bodyAsBytes();
                if (body.length == 0) throw new Refusal(400, "empty body: send an encoded image (JPEG, PNG, BMP, GIF)");
                inputs.add(preprocess(body, "body"));
            }
        } catch (ImageFiles.UnreadableImageException e) {
            throw new Refusal(400, e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return inputs;
    }

    /**
     * Decodes and preprocesses one image, at most one per core at a time: the work is CPU-bound, and
     * the decoders (PNG's Inflater, the JPEG codec) pin Java arrays in JNI critical regions that hold
     * off the garbage collector; dozens at once made allocations fail with OutOfMemoryError under load.
     */
    private float[] preprocess(byte[] bytes, String source) throws IOException {
        try {
            decoders.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Refusal(503, "the server is shutting down");
        }
        try {
            return classifier.preprocess(bytes, source);
        } finally {
            decoders.release();
        }
    }

    /**
     * Reads and drops what is left of a refused request's body, up to {@link #DISCARD_BYTES}: a
     * connection closed with unread data is reset, and the client, still sending, would see the reset
     * instead of the answer (the 404 or 413). A larger body is not read; its connection is closed.
     */
    private static void discard(Context ctx) {
        if (ctx.contentLength() > DISCARD_BYTES) {
            ctx.header("Connection", "close");
            return;
        }
        try {
            ctx.req().getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
        } catch (IOException | RuntimeException e) {
            ctx.header("Connection", "close");
        }
    }

    /** Runs a handler counting it in flight, timing it by endpoint and status, and turning failures into JSON errors. */
    private void timed(Context ctx, String endpoint, Runnable handler) {
        long start = System.nanoTime();
        inFlight.incrementAndGet();
        try {
            if (draining && !endpoint.equals("models")) {
                ctx.header("Connection", "close");
                throw new Refusal(503, "the server is shutting down");
            }
            handler.run();
        } catch (Refusal e) {
            discard(ctx);
            if (e.status == 503) ctx.header("Retry-After", RETRY_AFTER_SECONDS);
            ctx.status(e.status).json(Map.of("error", e.getMessage()));
        } catch (RuntimeException e) {
            String why = rootMessage(e);
            int status = why.contains("exceeds") || why.contains("too large") ? 413 : 500;
            ctx.status(status).json(Map.of("error", status == 413 ? "body over the limit: " + why : why));
        } finally {
            inFlight.decrementAndGet();
            Timer.builder("hybridvit_requests")
                    .description("HTTP requests by endpoint and status")
                    .tag("endpoint", endpoint)
                    .tag("status", Integer.toString(ctx.statusCode()))
                    .publishPercentileHistogram()
                    .register(metrics)
                    .record(Duration.ofNanos(System.nanoTime() - start));
        }
    }

    private static String rootMessage(Throwable e) {
        while (e.getCause() != null && e.getCause() != e) e = e.getCause();
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /**
     * Graceful stop: {@code /readyz} turns 503 and new requests are refused (503), requests in
     * flight finish (up to {@code grace}), then the HTTP server, the batcher and the model close.
     * Returns whether every request in flight finished in time.
     */
    public boolean drain(Duration grace) {
        draining = true;
        long deadline = System.nanoTime() + grace.toNanos();
        while (inFlight.get() > 0 && System.nanoTime() < deadline) sleep(10);
        boolean clean = inFlight.get() == 0;
        // a handler has returned before Jetty has written its response: give the last ones time to flush
        sleep(FLUSH_MILLIS);
        close();
        return clean;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        draining = true;
        if (closed.getAndSet(true)) return;
        app.stop();
        batcher.close();
        classifier.close();
        metrics.close();
    }
}
