package dev.hybridvit.spark;

import dev.hybridvit.infer.ImageClassifier;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One ONNX Runtime session per executor JVM and model: the first task of a job on an executor
 * writes the broadcast model bytes to a local temporary file and opens it; every later task on that
 * executor (and every core of it) shares the session, which is thread-safe.
 */
final class ExecutorModels {
    private static final Map<Long, ImageClassifier> OPEN = new ConcurrentHashMap<>();

    private ExecutorModels() {}

    /** The classifier for broadcast {@code id} holding {@code onnx}, opened on first use in this JVM. */
    static ImageClassifier get(long id, byte[] onnx, int topK, int maxBatch, int threads) {
        return OPEN.computeIfAbsent(id, k -> {
            try {
                Path file = Files.createTempFile("hybridvit-executor-", ".onnx");
                try {
                    Files.write(file, onnx);
                    ImageClassifier c = ImageClassifier.builder()
                            .weights(file)
                            .topK(topK)
                            .maxBatch(maxBatch)
                            .threads(threads)
                            .build();
                    Runtime.getRuntime().addShutdownHook(new Thread(c::close));
                    return c;
                } finally {
                    Files.deleteIfExists(file);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
