package dev.hybridvit.apps.serve;

import dev.hybridvit.infer.ImageClassifier;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

/**
 * Dynamic batching: images submitted by concurrent requests wait in a queue; one worker takes the
 * oldest, gathers whatever else arrives within {@code maxDelayMs} of it (up to {@code maxBatch})
 * and runs them as one forward pass. With {@code maxBatch = 1} every image is its own run. At most
 * {@code capacity} images wait (queued or in the batch being gathered); beyond that a submission is
 * refused at once ({@link QueueFullException}), which the server answers with 503, so overload
 * turns into fast refusals rather than growing latency.
 */
public final class Batcher implements AutoCloseable {
    /** The queue holds {@code capacity} images already. */
    public static final class QueueFullException extends RuntimeException {
        QueueFullException(int capacity) {
            super("the queue is full (" + capacity + " images waiting); retry later");
        }
    }

    private record Job(float[] input, CompletableFuture<ImageClassifier.Result> done) {}

    /** How often a waiting worker checks for {@link #close}. */
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private final ImageClassifier classifier;
    private final int maxBatch, capacity;
    private final long maxDelayNanos;
    private final BlockingQueue<Job> queue = new LinkedBlockingQueue<>();
    private final Semaphore waiting;
    private final IntConsumer batchSizes;
    private final Thread worker;
    private volatile boolean closed;

    /**
     * @param batchSizes told the size of every batch that runs (for metrics)
     */
    public Batcher(ImageClassifier classifier, int maxBatch, long maxDelayMs, int capacity, IntConsumer batchSizes) {
        if (maxBatch < 1 || maxDelayMs < 0 || capacity < 1) {
            throw new IllegalArgumentException("max batch and queue must be at least 1 and the delay not negative, got "
                    + maxBatch + ", " + capacity + ", " + maxDelayMs + " ms");
        }
        this.classifier = classifier;
        this.maxBatch = maxBatch;
        this.capacity = capacity;
        this.maxDelayNanos = TimeUnit.MILLISECONDS.toNanos(maxDelayMs);
        this.waiting = new Semaphore(capacity);
        this.batchSizes = batchSizes;
        this.worker = new Thread(this::loop, "batcher");
        worker.setDaemon(true);
        worker.start();
    }

    /** Queues a preprocessed image; the future completes with its result (or the run's failure). */
    public CompletableFuture<ImageClassifier.Result> submit(float[] input) {
        if (closed) throw new IllegalStateException("the batcher is closed");
        if (!waiting.tryAcquire()) throw new QueueFullException(capacity);
        Job job = new Job(input, new CompletableFuture<>());
        queue.add(job);
        return job.done();
    }

    /** Images waiting (queued or in the batch being gathered). */
    public int queued() {
        return capacity - waiting.availablePermits();
    }

    private void loop() {
        List<Job> batch = new ArrayList<>(maxBatch);
        while (!closed || !queue.isEmpty()) {
            try {
                Job first = queue.poll(POLL_NANOS, TimeUnit.NANOSECONDS);
                if (first == null) continue;
                batch.add(first);
                long deadline = System.nanoTime() + maxDelayNanos;
                while (batch.size() < maxBatch) {
                    long left = deadline - System.nanoTime();
                    Job next = left > 0 && !closed
                            ? queue.poll(Math.min(left, POLL_NANOS), TimeUnit.NANOSECONDS)
                            : queue.poll();
                    if (next != null) batch.add(next);
                    else if (left <= 0 || closed) break;
                }
                run(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } finally {
                waiting.release(batch.size());
                batch.clear();
            }
        }
    }

    /** One forward pass for the batch's live jobs (those whose request timed out are skipped). */
    private void run(List<Job> batch) {
        List<Job> live = batch.stream().filter(j -> !j.done().isDone()).toList();
        if (live.isEmpty()) return;
        batchSizes.accept(live.size());
        try {
            List<ImageClassifier.Result> results =
                    classifier.classifyTensors(live.stream().map(Job::input).toList());
            for (int i = 0; i < live.size(); i++) live.get(i).done().complete(results.get(i));
        } catch (RuntimeException e) {
            live.forEach(j -> j.done().completeExceptionally(e));
        }
    }

    /** Stops taking images, runs those queued, and waits for the worker. */
    @Override
    public void close() {
        closed = true;
        try {
            worker.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
