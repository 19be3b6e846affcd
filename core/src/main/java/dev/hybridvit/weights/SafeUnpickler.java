package dev.hybridvit.weights;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Deque;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import net.razorvine.pickle.IObjectConstructor;
import net.razorvine.pickle.PickleException;
import net.razorvine.pickle.PickleUtils;
import net.razorvine.pickle.Unpickler;

/**
 * The pickle reader for PyTorch checkpoints: Pyrolite's opcode machine, with every way a pickle can
 * name a Python global ({@code GLOBAL}, {@code STACK_GLOBAL}, {@code INST}, {@code OBJ}, the
 * extension registry) routed through an allow-list. Allowed globals become inert Java objects:
 * tensor rebuild functions yield {@link PickledTensor} descriptions, {@code OrderedDict} an ordered
 * map, storage types a {@link TorchDType}, {@code argparse.Namespace} a {@link PickledObject}.
 * Anything else is refused by name before it is pushed; nothing is executed, and Pyrolite's own
 * constructor table and reflective {@code __setstate__} are never reached.
 *
 * <p>Dictionaries keep insertion order (Pyrolite's {@code SETITEMS} would not), so a state dict
 * comes out in the order it was saved.
 */
final class SafeUnpickler extends Unpickler {
    // opcodes handled here rather than by Pyrolite
    private static final short MARK = '(',
            STOP = '.',
            GLOBAL = 'c',
            STACK_GLOBAL = 0x93,
            INST = 'i',
            OBJ = 'o',
            EXT1 = 0x82,
            EXT2 = 0x83,
            EXT4 = 0x84,
            PERSID = 'P',
            BUILD = 'b',
            EMPTY_DICT = '}',
            DICT = 'd',
            SETITEMS = 'u',
            SETITEM = 's',
            ADDITEMS = 0x90,
            FROZENSET = 0x91,
            BINSTRING = 'T',
            BINUNICODE = 'X',
            BINBYTES = 'B',
            LONG4 = 0x8b,
            BINUNICODE8 = 0x8d,
            BINBYTES8 = 0x8e,
            BYTEARRAY8 = 0x96;

    /** Deepest nesting of containers accepted (state dicts nest 2-4 levels). */
    private static final int MAX_DEPTH = 100;
    /** Deepest nesting of tuples inside a dict key. */
    private static final int MAX_KEY_DEPTH = 4;

    private final Path file;
    private final ByteArrayInputStream in;
    private final int length;
    private final Map<String, PickledTensor.StorageRef> storages = new LinkedHashMap<>();

    private SafeUnpickler(Path file, byte[] data) {
        this.file = file;
        this.in = new ByteArrayInputStream(data);
        this.length = data.length;
    }

    /** The object tree of {@code data} (a pickle named {@code entry} inside {@code file}). */
    static Object load(Path file, String entry, byte[] data) {
        SafeUnpickler u = new SafeUnpickler(file, data);
        try {
            Object root = u.load(u.in);
            u.checkShape(root);
            return root;
        } catch (WeightsFormatException e) {
            throw e;
        } catch (IOException | RuntimeException | StackOverflowError e) {
            String why = e.getMessage() == null
                    ? e.getClass().getSimpleName()
                    : e.getMessage().lines().findFirst().orElse("");
            throw new WeightsFormatException(
                    file,
                    entry + " is not a valid pickle (at byte " + u.position() + " of " + u.length + ": " + why + ")",
                    e);
        } finally {
            u.close();
        }
    }

    private int position() {
        return length - in.available();
    }

    @Override
    protected Object dispatch(short key) throws PickleException, IOException {
        switch (key) {
            case -1:
                throw fail("the pickle ends before its STOP opcode: the file is truncated");
            case GLOBAL: {
                String module = PickleUtils.readline(input);
                String name = PickleUtils.readline(input);
                stack.add(resolve(module, name));
                return NO_RETURN_VALUE;
            }
            case STACK_GLOBAL: {
                Object name = stack.pop(), module = stack.pop();
                if (!(name instanceof String) || !(module instanceof String))
                    throw fail("STACK_GLOBAL without module and name strings");
                stack.add(resolve((String) module, (String) name));
                return NO_RETURN_VALUE;
            }
            case INST: {
                String module = PickleUtils.readline(input);
                String name = PickleUtils.readline(input);
                throw refuse(module + "." + name, " (INST opcode)");
            }
            case OBJ:
                throw fail("the OBJ opcode (old-style instance creation) is not accepted in a checkpoint");
            case EXT1:
            case EXT2:
            case EXT4:
                throw fail(
                        "the pickle uses the copyreg extension registry (EXT opcodes), which is not accepted in a checkpoint");
            case PERSID:
                throw fail("text persistent ids (PERSID) are not used by torch.save; refusing");
            case BUILD:
                build();
                return NO_RETURN_VALUE;
            case EMPTY_DICT:
                stack.add(new LinkedHashMap<>());
                return NO_RETURN_VALUE;
            case DICT: {
                List<Object> items = stack.pop_all_since_marker();
                Map<Object, Object> map = new LinkedHashMap<>();
                for (int i = 0; i + 1 < items.size(); i += 2) map.put(key(items.get(i)), items.get(i + 1));
                stack.add(map);
                return NO_RETURN_VALUE;
            }
            case SETITEM: {
                Object value = stack.pop(), k = stack.pop(), target = stack.peek();
                if (!(target instanceof Map)) throw fail("SETITEM on a " + typeName(target));
                @SuppressWarnings("unchecked")
                Map<Object, Object> map = (Map<Object, Object>) target;
                map.put(key(k), value);
                return NO_RETURN_VALUE;
            }
            case ADDITEMS:
            case FROZENSET: {
                List<Object> items = stack.pop_all_since_marker();
                items.forEach(this::key);
                if (key == FROZENSET) {
                    stack.add(new HashSet<>(items));
                } else if (stack.peek() instanceof Set<?> set) {
                    @SuppressWarnings("unchecked")
                    Set<Object> target = (Set<Object>) set;
                    target.addAll(items);
                } else {
                    throw fail("ADDITEMS on a " + typeName(stack.peek()));
                }
                return NO_RETURN_VALUE;
            }
            case SETITEMS: {
                List<Object> items = stack.pop_all_since_marker();
                Object target = stack.peek();
                if (!(target instanceof Map)) throw fail("SETITEMS on a " + typeName(target));
                @SuppressWarnings("unchecked")
                Map<Object, Object> map = (Map<Object, Object>) target;
                for (int i = 0; i + 1 < items.size(); i += 2) map.put(key(items.get(i)), items.get(i + 1));
                return NO_RETURN_VALUE;
            }
            case BINSTRING:
            case BINUNICODE:
            case BINBYTES:
                checkLength(4);
                return super.dispatch(key);
            case LONG4:
                checkLength(4);
                return super.dispatch(key);
            case BINUNICODE8:
            case BINBYTES8:
            case BYTEARRAY8:
                checkLength(8);
                return super.dispatch(key);
            default:
                return super.dispatch(key);
        }
    }

    /** Rejects a length prefix that points past the end of the data, before anything is allocated. */
    private void checkLength(int bytes) {
        in.mark(bytes);
        long n = 0;
        for (int i = 0; i < bytes; i++) {
            int b = in.read();
            if (b < 0) throw fail("the pickle ends inside a length field: the file is truncated");
            n |= ((long) b) << (8 * i);
        }
        in.reset();
        if (n < 0 || n > in.available() - bytes) {
            throw fail("a string or bytes item claims " + n + " bytes but only " + Math.max(0, in.available() - bytes)
                    + " remain: the pickle is truncated or corrupt");
        }
    }

    private Object resolve(String module, String name) {
        String global = module + "." + name;
        switch (global) {
            case "collections.OrderedDict":
                return (IObjectConstructor) this::orderedDict;
            case "torch._utils._rebuild_tensor_v2":
            case "torch._utils._rebuild_tensor":
                return (IObjectConstructor) args -> rebuildTensor(global, args);
            case "torch._utils._rebuild_parameter":
            case "torch._utils._rebuild_parameter_with_state":
                return (IObjectConstructor) args -> {
                    if (args.length < 1 || !(args[0] instanceof PickledTensor))
                        throw fail(global + " without a tensor argument");
                    return args[0];
                };
            case "argparse.Namespace":
                return (IObjectConstructor) args -> {
                    if (args.length != 0) throw fail("argparse.Namespace called with positional arguments");
                    return new PickledObject(global);
                };
            default:
                if (module.equals("torch") && name.endsWith("Storage")) {
                    Optional<TorchDType> t = TorchDType.byStorageName(name);
                    if (t.isPresent()) return t.get();
                    throw fail("unsupported storage type torch." + name + " (supported: float, double, half, bfloat16, "
                            + "long, int, short, char, byte, bool)");
                }
                String hint = module.startsWith("__torch__")
                        ? " — this is a TorchScript archive (torch.jit.save), not a "
                                + "checkpoint; save model.state_dict() with torch.save instead"
                        : "";
                throw refuse(global, hint);
        }
    }

    private WeightsFormatException refuse(String global, String hint) {
        return new WeightsFormatException(
                file,
                "the pickle references the Python global '" + global
                        + "', which is not on the allow-list of checkpoint types (collections.OrderedDict, torch._utils tensor "
                        + "rebuild functions, torch storage types, argparse.Namespace); refusing to load it — nothing was executed"
                        + hint);
    }

    private WeightsFormatException fail(String problem) {
        return new WeightsFormatException(file, "data.pkl: " + problem + " (at byte " + position() + ")");
    }

    /**
     * {@code k} if Python could hash it: a scalar or a tuple of them, nested at most {@link
     * #MAX_KEY_DEPTH} deep. A list or dict key (unhashable in Python) could be cyclic or a DAG whose
     * Java hash takes exponential time, so it is refused before any map sees it.
     */
    private Object key(Object k) {
        checkKey(k, 0);
        return k;
    }

    private void checkKey(Object k, int depth) {
        if (k == null || k instanceof String || k instanceof Number || k instanceof Boolean) return;
        if (k instanceof Object[] tuple && depth < MAX_KEY_DEPTH) {
            for (Object o : tuple) checkKey(o, depth + 1);
            return;
        }
        throw fail(
                k instanceof Object[]
                        ? "a dict key or set item is a tuple nested more than " + MAX_KEY_DEPTH + " deep"
                        : "a dict key or set item is a " + typeName(k)
                                + " (expected a string, number or tuple of them)");
    }

    /**
     * Refuses object trees nested deeper than {@link #MAX_DEPTH} or containing cycles, walking them
     * without recursion (every later consumer — printing, key search — may then recurse safely).
     */
    private void checkShape(Object root) {
        Map<Object, Boolean> open = new IdentityHashMap<>(); // true while on the current path
        Deque<Object[]> path = new ArrayDeque<>(); // {node, iterator over children}
        path.push(new Object[] {root, children(root).iterator()});
        open.put(root, true);
        while (!path.isEmpty()) {
            Object[] top = path.peek();
            @SuppressWarnings("unchecked")
            Iterator<Object> it = (Iterator<Object>) top[1];
            if (!it.hasNext()) {
                open.put(top[0], false);
                path.pop();
                continue;
            }
            Object child = it.next();
            if (!isContainer(child)) continue;
            Boolean state = open.get(child);
            if (Boolean.TRUE.equals(state)) throw fail("the object tree contains a cycle (a container inside itself)");
            if (state != null) continue;
            if (path.size() >= MAX_DEPTH) throw fail("the object tree is nested more than " + MAX_DEPTH + " deep");
            open.put(child, true);
            path.push(new Object[] {child, children(child).iterator()});
        }
    }

    private static boolean isContainer(Object o) {
        return o instanceof Map || o instanceof Collection || o instanceof Object[] || o instanceof PickledObject;
    }

    private static Collection<?> children(Object o) {
        if (o instanceof Map<?, ?> m) {
            List<Object> all = new ArrayList<>(m.keySet());
            all.addAll(m.values());
            return all;
        }
        if (o instanceof Collection<?> c) return c;
        if (o instanceof Object[] a) return Arrays.asList(a);
        if (o instanceof PickledObject p) return p.fields().values();
        return List.of();
    }

    private Object orderedDict(Object[] args) {
        Map<Object, Object> map = new LinkedHashMap<>();
        if (args.length == 1 && args[0] instanceof List<?> pairs) {
            for (Object p : pairs) {
                if (p instanceof Object[] kv && kv.length == 2) map.put(key(kv[0]), kv[1]);
                else throw new PickleException("OrderedDict built from a list that is not of (key, value) pairs");
            }
        } else if (args.length != 0) {
            throw new PickleException("OrderedDict called with " + args.length + " arguments");
        }
        return map;
    }

    /** {@code _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])}. */
    private PickledTensor rebuildTensor(String global, Object[] args) {
        if (args.length < 4 || !(args[0] instanceof PickledTensor.StorageRef storage)) {
            throw fail(global + " called without (storage, offset, size, stride)");
        }
        long offset = asLong(args[1], global + " storage_offset");
        if (offset < 0) throw fail(global + " storage_offset is " + offset + ", expected a non-negative integer");
        long[] shape = longs(args[2], global + " size");
        long[] stride = longs(args[3], global + " stride");
        if (shape.length != stride.length)
            throw fail(global + " has " + shape.length + " sizes but " + stride.length + " strides");
        return new PickledTensor(storage, offset, shape, stride);
    }

    /** {@code ('storage', storage_type, key, location, numel)} → the zip record {@code data/<key>}. */
    @Override
    protected Object persistentLoad(Object pid) {
        if (!(pid instanceof Object[] t)
                || t.length != 5
                || !"storage".equals(t[0])
                || !(t[1] instanceof TorchDType type)
                || !(t[2] instanceof String key)
                || !(t[3] instanceof String location)) {
            throw fail("persistent id " + describe(pid)
                    + " is not a torch storage reference ('storage', type, key, location, numel)");
        }
        long numel = asLong(t[4], "storage numel");
        if (numel < 0) throw fail("storage " + key + " declares " + numel + " elements");
        PickledTensor.StorageRef ref =
                storages.computeIfAbsent(key, k -> new PickledTensor.StorageRef(type, key, location, numel));
        if (ref.type() != type || ref.numel() != numel)
            throw fail("storage " + key + " is referenced with two different types or sizes");
        return ref;
    }

    private void build() {
        Object state = stack.pop();
        Object target = stack.peek();
        if (target instanceof PickledObject obj && state instanceof Map<?, ?> fields) {
            fields.forEach((k, v) -> obj.fields().put(String.valueOf(k), v));
        } else if (target instanceof Map<?, ?> && state instanceof Map<?, ?>) {
            // an OrderedDict's instance attributes, e.g. a state dict's _metadata (module versions): not needed
        } else {
            throw fail("BUILD (set object state) on a " + typeName(target) + " is not accepted");
        }
    }

    private long asLong(Object o, String what) {
        if (o instanceof Integer || o instanceof Long) return ((Number) o).longValue();
        throw fail(what + " is " + describe(o) + ", expected an integer");
    }

    private long[] longs(Object o, String what) {
        if (!(o instanceof Object[] items)) throw fail(what + " is " + describe(o) + ", expected a tuple of integers");
        long[] out = new long[items.length];
        for (int i = 0; i < items.length; i++) {
            out[i] = asLong(items[i], what);
            if (out[i] < 0) throw fail(what + " has a negative entry " + out[i]);
        }
        return out;
    }

    private static String describe(Object o) {
        if (o instanceof Object[] a) return "a tuple of " + a.length;
        return typeName(o);
    }

    private static String typeName(Object o) {
        return o == null ? "None" : o.getClass().getSimpleName();
    }
}
