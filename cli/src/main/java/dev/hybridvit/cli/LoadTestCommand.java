package dev.hybridvit.cli;

import dev.hybridvit.apps.serve.LoadTest;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code loadtest}: a bounded load test of a running {@code serve} over loopback, as a Markdown table. */
@Command(
        name = "loadtest",
        description = "Load-test a running `serve` on this machine: closed-loop clients at each concurrency, "
                + "throughput, p50/p90/p99 latency, errors and the server's RSS; --bad-every N mixes in bad requests "
                + "(each must get 4xx, each good one 200).")
final class LoadTestCommand implements Callable<Integer> {
    @Option(names = "--url", defaultValue = "http://127.0.0.1:8080", description = "the server (loopback only)")
    String url;

    @Option(names = "--model", required = true)
    String model;

    @Option(names = "--image", required = true, description = "the image every good request sends")
    Path image;

    @Option(names = "--pid", defaultValue = "0", description = "the server's process id, for its RSS")
    long pid;

    @Option(names = "--concurrency", split = ",", defaultValue = "1,8,32,64")
    List<Integer> concurrency;

    @Option(names = "--requests", defaultValue = "2000", description = "requests per concurrency level")
    int requests;

    @Option(names = "--max-seconds", defaultValue = "120", description = "time limit per level")
    double maxSeconds;

    @Option(names = "--bad-every", defaultValue = "0", description = "every N-th request is bad (10: 10 %)")
    int badEvery;

    @Option(names = "--max-body-mb", defaultValue = "16", description = "the server's --max-body-mb")
    double maxBodyMb;

    @Option(
            names = "--warmup",
            defaultValue = "-1",
            description = "requests at the highest concurrency before the first level, not counted; the RSS at "
                    + "the start of each level is read after it (default: 10 per client)")
    int warmup;

    @Option(names = "--label", defaultValue = "run")
    String label;

    @Option(names = "--header", description = "print the table header first")
    boolean header;

    @Override
    public Integer call() throws Exception {
        String host = java.net.URI.create(url).getHost();
        if (!java.net.InetAddress.getByName(host).isLoopbackAddress())
            throw new IllegalArgumentException("--url must be a loopback address, got " + url);
        LoadTest test = new LoadTest(url, model, image, pid, (long) (maxBodyMb * 1024 * 1024));
        // warm-up at the highest concurrency: JIT, heap and ONNX Runtime's arena reach the size the
        // largest batches need, so a level's RSS change shows growth, not start-up
        int most = concurrency.stream().mapToInt(Integer::intValue).max().orElse(1);
        test.run(most, warmup >= 0 ? warmup : 10 * most, 0, maxSeconds);
        if (header) System.out.println(LoadTest.Report.header());
        int failures = 0;
        for (int c : concurrency) {
            LoadTest.Report r = test.run(c, requests, badEvery, maxSeconds);
            System.out.println(r.row(label));
            if (!test.failures.isEmpty()) System.out.println("<!-- errors: " + test.failures + " -->");
            failures += r.errors();
        }
        return failures == 0 ? 0 : 1;
    }
}
