package dev.hybridvit.apps.serve;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A bounded load test of a running {@code serve} process over loopback: {@code requests} POSTs of
 * one image from {@code concurrency} closed-loop clients (each sends its next request when the last
 * is answered), stopping after {@code maxSeconds} at the latest. A fraction of requests can be bad
 * (not an image, truncated, a decompression bomb, over the body limit, an unknown model): each must
 * be answered 4xx, each good one 200, none 5xx. The server's resident memory is read from
 * {@code /proc/PID/status} before and after.
 */
public final class LoadTest {
    /** One run's figures; latencies of good requests in ms. */
    public record Report(
            int concurrency,
            int requests,
            double seconds,
            double throughput,
            double p50,
            double p90,
            double p99,
            int ok,
            int rejectedBad,
            int errors,
            long rssStartKb,
            long rssEndKb) {
        public String row(String label) {
            return String.format(
                    Locale.ROOT,
                    "| %s | %d | %d | %.1f | %.1f | %.1f | %.1f | %d | %d | %d | %d → %d |",
                    label,
                    concurrency,
                    requests,
                    throughput,
                    p50,
                    p90,
                    p99,
                    ok,
                    rejectedBad,
                    errors,
                    rssStartKb / 1024,
                    rssEndKb / 1024);
        }

        public static String header() {
            return "| run | concurrency | requests | req/s | p50 ms | p90 ms | p99 ms | 200 | bad → 4xx | errors | RSS MiB |\n"
                    + "|---|---|---|---|---|---|---|---|---|---|---|";
        }
    }

    /** The bad requests, in the order they cycle through. */
    static final List<String> BAD_KINDS =
            List.of("not an image", "truncated", "decompression bomb", "over the body limit", "unknown model");

    private final URI predict, unknownModel;
    private final byte[] image;
    private final List<byte[]> bad;
    private final long pid;
    /** What the errors of the last run were (status or exception, with counts). */
    public final java.util.Map<String, Integer> failures = new java.util.concurrent.ConcurrentSkipListMap<>();

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /**
     * @param bodyLimit the server's body limit in bytes (a bad request is one byte over it)
     */
    public LoadTest(String url, String model, Path image, long pid, long bodyLimit) throws IOException {
        this.predict = URI.create(url + "/v1/models/" + model + ":predict");
        this.unknownModel = URI.create(url + "/v1/models/no_such_model:predict");
        this.image = Files.readAllBytes(image);
        this.pid = pid;
        byte[] bomb = bombPng(30_000, 30_000);
        this.bad = List.of(
                "not an image".getBytes(),
                Arrays.copyOf(this.image, this.image.length / 2),
                bomb,
                new byte[(int) Math.min(Integer.MAX_VALUE - 8, bodyLimit + 1)]);
    }

    /** A PNG header declaring w×h pixels and no data. */
    static byte[] bombPng(int w, int h) {
        java.nio.ByteBuffer ihdr = java.nio.ByteBuffer.allocate(17);
        ihdr.put("IHDR".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
                .putInt(w)
                .putInt(h)
                .put(new byte[] {8, 2, 0, 0, 0});
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(ihdr.array());
        return java.nio.ByteBuffer.allocate(33)
                .put(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'})
                .putInt(13)
                .put(ihdr.array())
                .putInt((int) crc.getValue())
                .array();
    }

    /** Runs {@code requests} requests at {@code concurrency}; every {@code badEvery}-th is bad (0: none). */
    public Report run(int concurrency, int requests, int badEvery, double maxSeconds) throws Exception {
        long rssStart = rssKb();
        failures.clear();
        AtomicInteger next = new AtomicInteger(),
                ok = new AtomicInteger(),
                badRejected = new AtomicInteger(),
                errors = new AtomicInteger();
        double[] latencies = new double[requests];
        AtomicInteger timed = new AtomicInteger();
        long start = System.nanoTime(), stopAt = start + (long) (maxSeconds * 1e9);
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        List<Future<?>> clients = new ArrayList<>();
        for (int c = 0; c < concurrency; c++) {
            clients.add(pool.submit(() -> {
                int i;
                while ((i = next.getAndIncrement()) < requests && System.nanoTime() < stopAt) {
                    boolean isBad = badEvery > 0 && i % badEvery == badEvery - 1;
                    int kind = (i / Math.max(1, badEvery)) % (bad.size() + 1);
                    URI uri = isBad && kind == bad.size() ? unknownModel : predict;
                    byte[] body = isBad && kind < bad.size() ? bad.get(kind) : image;
                    long t0 = System.nanoTime();
                    int status;
                    try {
                        status = http.send(
                                        HttpRequest.newBuilder(uri)
                                                .timeout(Duration.ofSeconds(60))
                                                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                                                .build(),
                                        HttpResponse.BodyHandlers.discarding())
                                .statusCode();
                    } catch (IOException e) {
                        status = -1;
                        String which = isBad ? "bad (" + BAD_KINDS.get(kind) + ") → " : "good → ";
                        failures.merge(which + e.getClass().getSimpleName() + ": " + e.getMessage(), 1, Integer::sum);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    double ms = (System.nanoTime() - t0) / 1e6;
                    if (!isBad && status == 200) {
                        ok.incrementAndGet();
                        latencies[timed.getAndIncrement()] = ms;
                    } else if (isBad && status >= 400 && status < 500) badRejected.incrementAndGet();
                    else {
                        errors.incrementAndGet();
                        if (status >= 0)
                            failures.merge(
                                    (isBad ? "bad (" + BAD_KINDS.get(kind) + ") → " : "good → ") + status,
                                    1,
                                    Integer::sum);
                    }
                }
            }));
        }
        for (Future<?> f : clients) f.get();
        pool.shutdown();
        double seconds = (System.nanoTime() - start) / 1e9;
        int done = ok.get() + badRejected.get() + errors.get();
        double[] lat = Arrays.copyOf(latencies, timed.get());
        Arrays.sort(lat);
        return new Report(
                concurrency,
                done,
                seconds,
                done / seconds,
                pct(lat, 0.50),
                pct(lat, 0.90),
                pct(lat, 0.99),
                ok.get(),
                badRejected.get(),
                errors.get(),
                rssStart,
                rssKb());
    }

    private static double pct(double[] sorted, double q) {
        if (sorted.length == 0) return Double.NaN;
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
    }

    /** The server's resident set in KiB (0 when unknown). */
    long rssKb() {
        if (pid <= 0) return 0;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }
}
