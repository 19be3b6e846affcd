package dev.hybridvit.data;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Turns a dataset into batches on worker threads, a few batches ahead of the consumer, so the
 * model never waits for decoding and augmentation. Each epoch has its own shuffled order and its
 * own per-batch random streams (reproducible for a given seed and epoch, whatever the threading).
 */
public final class BatchLoader implements AutoCloseable {
    /** A batch on the host: N×C×H×W images and N labels. */
    public record Batch(float[] images, int[] labels, int size, int[] dims) {}

    private final ImageDataset data;
    private final Transform transform;
    private final int batchSize;
    private final boolean shuffle, dropLast;
    private final long seed;
    private final ExecutorService pool;
    private final int prefetch;

    public BatchLoader(
            ImageDataset data,
            Transform transform,
            int batchSize,
            boolean shuffle,
            boolean dropLast,
            long seed,
            int workers) {
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be ≥ 1, got " + batchSize);
        this.data = data;
        this.transform = transform;
        this.batchSize = batchSize;
        this.shuffle = shuffle;
        this.dropLast = dropLast;
        this.seed = seed;
        this.prefetch = Math.max(2, 2 * workers);
        this.pool = Executors.newFixedThreadPool(Math.max(1, workers), r -> {
            Thread t = new Thread(r, "hybridvit-loader");
            t.setDaemon(true);
            return t;
        });
    }

    public int batchesPerEpoch() {
        return dropLast ? data.size() / batchSize : (data.size() + batchSize - 1) / batchSize;
    }

    /** The batches of one epoch, produced ahead by the worker threads. */
    public Iterator<Batch> epoch(int epoch) {
        return epoch(epoch, 0);
    }

    /**
     * The batches of one epoch from batch {@code from} on (resuming mid-epoch): the same order
     * and per-batch random streams as the whole epoch, the first {@code from} batches not loaded.
     */
    public Iterator<Batch> epoch(int epoch, int from) {
        int[] order = new int[data.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        if (shuffle) {
            Random r = new Random(seed * 1_000_003L + epoch);
            for (int i = order.length - 1; i > 0; i--) {
                int j = r.nextInt(i + 1), t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
        int batches = batchesPerEpoch();
        return new Iterator<>() {
            private final List<Future<Batch>> queue = new ArrayList<>();
            private int submitted = from, taken = from;

            private void fill() {
                while (submitted < batches && queue.size() < prefetch) {
                    int b = submitted++;
                    queue.add(pool.submit(() -> make(
                            order, b, new Random(seed ^ (epoch * 0x9E3779B97F4A7C15L) ^ (b * 0xBF58476D1CE4E5B9L)))));
                }
            }

            @Override
            public boolean hasNext() {
                return taken < batches;
            }

            @Override
            public Batch next() {
                if (!hasNext()) throw new NoSuchElementException();
                fill();
                try {
                    Batch out = queue.remove(0).get();
                    taken++;
                    fill();
                    return out;
                } catch (Exception e) {
                    throw new IllegalStateException("loading batch " + taken + " failed: " + e.getMessage(), e);
                }
            }
        };
    }

    private Batch make(int[] order, int b, Random rng) {
        int start = b * batchSize, n = Math.min(batchSize, order.length - start);
        float[] raw = new float[data.channels() * data.height() * data.width()];
        float[] images = null;
        int[] labels = new int[n];
        int[] outDims = null;
        for (int i = 0; i < n; i++) {
            labels[i] = data.read(order[start + i], raw);
            int[] dims = {data.channels(), data.height(), data.width()};
            float[] img = transform.apply(raw.clone(), dims, rng);
            if (images == null) {
                images = new float[n * img.length];
                outDims = dims;
            }
            System.arraycopy(img, 0, images, i * img.length, img.length);
        }
        return new Batch(images, labels, n, outDims);
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
