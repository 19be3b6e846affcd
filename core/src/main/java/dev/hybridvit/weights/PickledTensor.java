package dev.hybridvit.weights;

import java.util.Arrays;

/**
 * A tensor as a PyTorch pickle describes it ({@code torch._utils._rebuild_tensor_v2}): a view of
 * {@code shape} and {@code stride} (in elements) starting at {@code offset} into a storage. Nothing
 * is read until {@link TorchCheckpoint#tensor} materialises it, so optimizer state that nobody asks
 * for costs no memory.
 */
public record PickledTensor(StorageRef storage, long offset, long[] shape, long[] stride) {
    /** A storage record of the zip archive: {@code data/<key>}, {@code numel} elements of {@code type}. */
    public record StorageRef(TorchDType type, String key, String location, long numel) {}

    public long numel() {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    /** True if the view is the row-major layout of its shape (strides of size-1 dims do not matter). */
    public boolean isContiguous() {
        long expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && stride[i] != expected) return false;
            expected *= shape[i];
        }
        return true;
    }

    @Override
    public String toString() {
        return "tensor(" + type().pythonName + ", shape=" + Arrays.toString(shape) + ")";
    }

    public TorchDType type() {
        return storage.type();
    }
}
