package dev.hybridvit.data;

import java.util.List;

/** A view of some indices of another dataset (subsets for quick runs, train/val splits). */
public final class Subset implements ImageDataset {
    private final ImageDataset base;
    private final int[] indices;

    public Subset(ImageDataset base, int[] indices) {
        this.base = base;
        this.indices = indices;
    }

    /** The first {@code n} images of {@code base} (all of it if n ≤ 0 or n ≥ its size). */
    public static ImageDataset head(ImageDataset base, int n) {
        if (n <= 0 || n >= base.size()) return base;
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) idx[i] = i;
        return new Subset(base, idx);
    }

    @Override
    public int size() {
        return indices.length;
    }

    @Override
    public int channels() {
        return base.channels();
    }

    @Override
    public int height() {
        return base.height();
    }

    @Override
    public int width() {
        return base.width();
    }

    @Override
    public List<String> classNames() {
        return base.classNames();
    }

    @Override
    public java.util.Map<java.nio.file.Path, String> problems() {
        return base.problems();
    }

    @Override
    public int read(int i, float[] out) {
        return base.read(indices[i], out);
    }
}
