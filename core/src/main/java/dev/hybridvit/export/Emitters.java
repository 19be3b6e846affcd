package dev.hybridvit.export;

import dev.hybridvit.export.onnx.OnnxGraph;
import dev.hybridvit.nn.Module;
import java.util.HashMap;
import java.util.Map;

/**
 * How a module finds its ONNX form: a table from module class to {@link Emitter}, filled by
 * {@link LayerForms} for the {@code nn} layers and by one graph class per family
 * ({@link NextViTGraph}, {@link CMTGraph}, {@link TRTViTGraph}). Model classes hold no export
 * code; a new module type gets its emitter here, next to its family's other forms.
 */
public final class Emitters {
    /** A module's forward pass as ONNX nodes appended to a graph; returns the output value's name. */
    @FunctionalInterface
    public interface Emitter<M extends Module> {
        String emit(OnnxGraph g, M module, String input);
    }

    /** The table under construction (each family adds its module classes). */
    public static final class Table {
        private final Map<Class<?>, Emitter<?>> byClass = new HashMap<>();

        public <M extends Module> Table add(Class<M> type, Emitter<? super M> emitter) {
            if (byClass.put(type, emitter) != null)
                throw new IllegalStateException("two emitters for " + type.getName());
            return this;
        }
    }

    private static final Map<Class<?>, Emitter<?>> TABLE = build();

    private Emitters() {}

    private static Map<Class<?>, Emitter<?>> build() {
        Table t = new Table();
        LayerForms.addTo(t);
        NextViTGraph.addTo(t);
        CMTGraph.addTo(t);
        TRTViTGraph.addTo(t);
        return Map.copyOf(t.byClass);
    }

    /**
     * {@code module}'s ONNX form on {@code input}, mirroring its forward in eval mode: the plain
     * form, or with {@link OnnxGraph#deploy()} the family's ORT-tuned deploy form of the
     * reparameterised module.
     */
    @SuppressWarnings("unchecked")
    public static String emit(OnnxGraph g, Module module, String input) {
        Emitter<Module> e = (Emitter<Module>) TABLE.get(module.getClass());
        if (e == null)
            throw new UnsupportedOperationException(
                    "no ONNX form for " + module.getClass().getSimpleName());
        return e.emit(g, module, input);
    }
}
