package dev.hybridvit.export;

import dev.hybridvit.export.onnx.OnnxGraph;
import dev.hybridvit.models.VisionModel;
import dev.hybridvit.nn.Module;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

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

    /**
     * A backbone's stem and stages as ONNX nodes: returns each stage's output (after its
     * {@link VisionModel#stageOutputNorm}, without any deploy-form channel padding), the multi-scale
     * features of a dense model.
     */
    @FunctionalInterface
    public interface StagesEmitter<M extends VisionModel> {
        List<String> emit(OnnxGraph g, M model, String input);
    }

    /** The table under construction (each family adds its module classes). */
    public static final class Table {
        private final Map<Class<?>, Emitter<?>> byClass = new HashMap<>();
        private final Map<Class<?>, StagesEmitter<?>> stagesByClass = new HashMap<>();

        public <M extends VisionModel> Table addStages(Class<M> type, StagesEmitter<? super M> emitter) {
            if (stagesByClass.put(type, emitter) != null)
                throw new IllegalStateException("two stage emitters for " + type.getName());
            return this;
        }

        public <M extends Module> Table add(Class<M> type, Emitter<? super M> emitter) {
            if (byClass.put(type, emitter) != null)
                throw new IllegalStateException("two emitters for " + type.getName());
            return this;
        }
    }

    private static final Table FILLED = build();
    private static final Map<Class<?>, Emitter<?>> TABLE = Map.copyOf(FILLED.byClass);
    private static final Map<Class<?>, StagesEmitter<?>> STAGES = Map.copyOf(FILLED.stagesByClass);

    private Emitters() {}

    private static Table build() {
        Table t = new Table();
        LayerForms.addTo(t);
        NextViTGraph.addTo(t);
        CMTGraph.addTo(t);
        TRTViTGraph.addTo(t);
        SegmentationGraph.addTo(t);
        return t;
    }

    /** {@code model}'s stem and stages on {@code input}: every stage's output, in order. */
    @SuppressWarnings("unchecked")
    public static List<String> emitStages(OnnxGraph g, VisionModel model, String input) {
        StagesEmitter<VisionModel> e = (StagesEmitter<VisionModel>) STAGES.get(model.getClass());
        if (e == null)
            throw new UnsupportedOperationException(
                    "no ONNX stage form for " + model.getClass().getSimpleName());
        return e.emit(g, model, input);
    }

    /**
     * The stages of a backbone whose {@link VisionModel#blocks()} make up its stages: stem, then
     * each stage's blocks and output norm.
     */
    static List<String> blockStages(OnnxGraph g, VisionModel m, Module stem, String x) {
        x = emit(g, stem, x);
        List<VisionModel.Block> blocks = m.blocks();
        List<String> out = new ArrayList<>();
        for (int s = 0; s < m.numStages(); s++) {
            for (VisionModel.Block b : blocks) if (b.stage() == s) x = emit(g, b.module(), x);
            out.add(x = stageOutput(g, m, s, x));
        }
        return out;
    }

    /**
     * Offers stage {@code i}'s output as {@code stage<i>} ({@link ExportOptions#stages()}); {@code
     * stage} emits it only when it was asked for.
     */
    static void offerStages(OnnxGraph g, int numStages, IntFunction<String> stage) {
        for (int i = 0; i < numStages; i++) {
            int s = i;
            g.offer(Exporter.featureName(s), () -> stage.apply(s));
        }
    }

    /** Stage {@code s}'s output norm, where the model has one. */
    static String stageOutput(OnnxGraph g, VisionModel m, int s, String x) {
        Module norm = m.stageOutputNorm(s);
        return norm == null ? x : emit(g, norm, x);
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
