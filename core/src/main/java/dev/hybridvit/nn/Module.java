package dev.hybridvit.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.hybridvit.tensor.NativeRuntime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * A node of the model tree, in the spirit of {@code torch.nn.Module}: named children, parameters
 * and buffers whose dotted names ({@code features.6.e_mhsa.q.weight}) and order equal PyTorch's
 * state-dict keys — own parameters first, then own buffers, then children in registration order.
 *
 * <p>Subclasses declare their slots in the constructor; values are allocated once the whole tree
 * exists, by {@link #materialize}. A module with no parameters (activation, pooling) still may be
 * registered as a child: it simply contributes no keys, as in PyTorch.
 */
public abstract class Module {
    static {
        NativeRuntime.configure(); // before any layer runs a libtorch kernel
    }

    private final Map<String, Parameter> parameters = new LinkedHashMap<>();
    private final Map<String, Parameter> buffers = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training;

    /** Forward pass on a batch. */
    public abstract NDArray forward(NDArray x);

    protected final <M extends Module> M register(String name, M child) {
        if (children.containsKey(name)) throw new IllegalStateException("duplicate child " + name);
        children.put(name, child);
        return child;
    }

    protected final Parameter parameter(String name, Shape shape, Init init) {
        Parameter p = new Parameter(shape, DataType.FLOAT32, true, init);
        parameters.put(name, p);
        return p;
    }

    protected final Parameter buffer(String name, Shape shape, DataType dtype, Init init) {
        Parameter p = new Parameter(shape, dtype, false, init);
        buffers.put(name, p);
        return p;
    }

    /**
     * Replaces this module's own parameter {@code name} by a slot of {@code value}'s shape, at the
     * same position in the state dict (used where a parameter's shape depends on the input size,
     * e.g. CMT's relative position biases). The new slot takes ownership of {@code value} and
     * moves it into the old value's manager; the old value is closed. On a model that is not
     * materialised yet, pass the new shape via {@link #replaceParameter(String, Shape)} instead.
     */
    protected final Parameter replaceParameter(String name, NDArray value) {
        Parameter old = parameters.get(name);
        if (old == null) throw new IllegalArgumentException("no parameter " + name);
        if (!old.isMaterialized()) throw new IllegalStateException("parameter " + name + " is not materialised yet");
        Parameter next = old.withShape(value.getShape());
        next.adopt(value, old.value().getManager(), old);
        parameters.put(name, next);
        old.release();
        return next;
    }

    /** Replaces the shape of a parameter that is not materialised yet (architecture-only models). */
    protected final Parameter replaceParameter(String name, Shape shape) {
        Parameter old = parameters.get(name);
        if (old == null) throw new IllegalArgumentException("no parameter " + name);
        if (old.isMaterialized())
            throw new IllegalStateException("parameter " + name + " is materialised; pass its new value");
        Parameter next = old.withShape(shape);
        parameters.put(name, next);
        return next;
    }

    public final Map<String, Module> children() {
        return Collections.unmodifiableMap(children);
    }

    /** Every parameter and buffer under its dotted state-dict name, in PyTorch's order. */
    public final LinkedHashMap<String, Parameter> namedSlots() {
        LinkedHashMap<String, Parameter> out = new LinkedHashMap<>();
        visitSlots("", out::put);
        return out;
    }

    private void visitSlots(String prefix, BiConsumer<String, Parameter> sink) {
        parameters.forEach((n, p) -> sink.accept(prefix + n, p));
        buffers.forEach((n, p) -> sink.accept(prefix + n, p));
        children.forEach((n, c) -> c.visitSlots(prefix + n + ".", sink));
    }

    /** Every module of the tree (this one under the empty name), depth first. */
    public final LinkedHashMap<String, Module> namedModules() {
        LinkedHashMap<String, Module> out = new LinkedHashMap<>();
        visitModules("", out);
        return out;
    }

    private void visitModules(String name, Map<String, Module> out) {
        out.put(name, this);
        children.forEach((n, c) -> c.visitModules(name.isEmpty() ? n : name + "." + n, out));
    }

    /** Trainable parameters only, in state-dict order. */
    public final List<Parameter> trainableParameters() {
        List<Parameter> out = new ArrayList<>();
        namedSlots().values().forEach(p -> {
            if (p.isTrainable()) out.add(p);
        });
        return out;
    }

    /** Σ numel over trainable parameters (what PyTorch's {@code sum(p.numel() for p in parameters())} gives). */
    public final long parameterCount() {
        long n = 0;
        for (Parameter p : trainableParameters()) n += p.numel();
        return n;
    }

    /** Allocates and initialises every slot of the tree in {@code manager}. */
    public final void materialize(NDManager manager) {
        namedSlots().values().forEach(p -> p.materialize(manager));
    }

    public final boolean isTraining() {
        return training;
    }

    /**
     * Switches the tree to training (batch statistics, drop-path) or evaluation mode; as PyTorch's
     * {@code train(mode)}, each child is switched through its own {@code setTraining}, so a
     * module that keeps parts in eval mode (a frozen stage) overrides it.
     */
    public void setTraining(boolean training) {
        this.training = training;
        children.values().forEach(c -> c.setTraining(training));
    }

    /** Marks every trainable, not frozen parameter as requiring gradients (for use in a gradient collector). */
    public final void requireGradients(boolean on) {
        trainableParameters().forEach(p -> p.value().setRequiresGradient(on && !p.isFrozen()));
    }

    /** Parameter values under their state-dict names (live arrays; do not close them). */
    public final LinkedHashMap<String, NDArray> stateDict() {
        LinkedHashMap<String, NDArray> out = new LinkedHashMap<>();
        namedSlots().forEach((n, p) -> out.put(n, p.value()));
        return out;
    }

    /** Strict load: every key present, none unexpected, every shape equal. */
    public final LoadReport loadStateDict(Map<String, NDArray> source) {
        return loadStateDict(source, true);
    }

    /**
     * Copies {@code source} into this tree. Strict mode fails on the first missing, unexpected or
     * mis-shaped key (naming it); lenient mode copies what fits and reports the rest.
     * {@code num_batches_tracked} counters may be absent (many exporters drop them).
     */
    public final LoadReport loadStateDict(Map<String, NDArray> source, boolean strict) {
        LinkedHashMap<String, Parameter> slots = namedSlots();
        List<String> missing = new ArrayList<>();
        List<String> mismatched = new ArrayList<>();
        List<String> unexpected = new ArrayList<>();
        for (Map.Entry<String, Parameter> e : slots.entrySet()) {
            NDArray v = source.get(e.getKey());
            Shape want = e.getValue().shape();
            if (v == null) {
                if (!isCounter(e.getKey())) missing.add(e.getKey());
            } else if (!v.getShape().equals(want)) {
                mismatched.add(e.getKey() + ": checkpoint has " + v.getShape() + ", model expects " + want);
            }
        }
        for (String k : source.keySet()) if (!slots.containsKey(k)) unexpected.add(k);
        LoadReport report = new LoadReport(missing, unexpected, mismatched);
        if (strict && !report.isClean()) throw new StateDictException(report);
        for (Map.Entry<String, Parameter> e : slots.entrySet()) {
            NDArray v = source.get(e.getKey());
            if (v != null && v.getShape().equals(e.getValue().shape()))
                e.getValue().copyFrom(v);
        }
        return report;
    }

    static boolean isCounter(String key) {
        return key.endsWith("num_batches_tracked");
    }
}
