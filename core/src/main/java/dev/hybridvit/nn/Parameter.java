package dev.hybridvit.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * A named tensor slot of a {@link Module}: a trainable parameter or a buffer (running statistics,
 * counters). Its value lives in the owning model's manager.
 */
public final class Parameter {
    private final Shape shape;
    private final DataType dtype;
    private final boolean trainable;
    private final Init init;
    private NDArray value;
    private boolean frozen;

    Parameter(Shape shape, DataType dtype, boolean trainable, Init init) {
        this.shape = shape;
        this.dtype = dtype;
        this.trainable = trainable;
        this.init = init;
    }

    public Shape shape() {
        return shape;
    }

    public DataType dtype() {
        return dtype;
    }
    /** False for buffers such as BatchNorm running statistics. */
    public boolean isTrainable() {
        return trainable;
    }

    /** True for a trainable parameter excluded from training (a frozen stage): no gradient, no update. */
    public boolean isFrozen() {
        return frozen;
    }

    /** Excludes a trainable parameter from gradients and optimizer updates, or lets it train again. */
    public void setFrozen(boolean frozen) {
        this.frozen = frozen;
        if (frozen && value != null && value.hasGradient()) value.setRequiresGradient(false);
    }

    public NDArray value() {
        if (value == null) throw new IllegalStateException("parameter not materialised yet");
        return value;
    }

    void materialize(NDManager manager) {
        NDArray created = init.create(manager, shape, dtype);
        replace(created);
    }

    /** Copies {@code source} (same shape; cast to this slot's dtype) into this slot, in the slot's manager. */
    public void copyFrom(NDArray source) {
        if (!source.getShape().equals(shape)) {
            throw new IllegalArgumentException("shape " + source.getShape() + " does not fit " + shape);
        }
        NDManager owner = value().getManager();
        NDArray copy = source.getDataType() == dtype ? source.duplicate() : source.toType(dtype, false);
        copy.attach(owner);
        replace(copy);
    }

    private void replace(NDArray next) {
        boolean grad = value != null && value.hasGradient();
        if (value != null) value.close();
        value = next;
        if (grad) value.setRequiresGradient(true);
    }

    public long numel() {
        return shape.size();
    }

    /** Whether a value has been allocated ({@link Module#materialize} or a replacement). */
    public boolean isMaterialized() {
        return value != null;
    }

    /** A new, empty slot of another shape with this slot's dtype, kind and init. */
    Parameter withShape(Shape newShape) {
        Parameter p = new Parameter(newShape, dtype, trainable, init);
        p.frozen = frozen;
        return p;
    }

    /**
     * Takes {@code next} (of this slot's shape and dtype) as this slot's value, moving it into
     * {@code owner}; keeps the gradient flag of {@code previous}, the slot this one replaces.
     */
    void adopt(NDArray next, NDManager owner, Parameter previous) {
        if (!next.getShape().equals(shape) || next.getDataType() != dtype) {
            throw new IllegalArgumentException(
                    next.getShape() + " " + next.getDataType() + " does not fit " + shape + " " + dtype);
        }
        next.attach(owner);
        value = next;
        if (previous != null && previous.value != null && previous.value.hasGradient()) value.setRequiresGradient(true);
    }

    /** Frees the value (after this slot was replaced). */
    void release() {
        if (value != null) value.close();
        value = null;
    }
}
