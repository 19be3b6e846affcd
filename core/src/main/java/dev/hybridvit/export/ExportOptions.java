package dev.hybridvit.export;

import dev.hybridvit.data.Preprocessing;
import dev.hybridvit.export.onnx.OnnxGraph;
import java.util.List;

/**
 * How to export a model to ONNX: the deploy form or the plain eval form, a fixed batch size or a
 * dynamic {@code batch} axis ({@code batch = 0}), the opset, and optional class names and
 * preprocessing for the model metadata.
 *
 * @param deploy     reparameterise the model ({@link dev.hybridvit.nn.Reparameterization}) and emit
 *                   the family's ORT-tuned deploy graph
 * @param batch      fixed batch size, or 0 for a dynamic batch axis
 * @param opset      ONNX opset ({@value OnnxGraph#MIN_OPSET}..{@value OnnxGraph#MAX_OPSET})
 * @param classNames labels written to the metadata ({@code class_names}); empty: the ImageNet-1k names for a
 *                   1000-class model, none otherwise
 * @param preprocessing the preprocessing written to the metadata, or null for the model's own
 * @param embedding  add a second output {@code embedding}: the pooled features the classifier reads
 *                   ({@link dev.hybridvit.models.VisionModel#forwardEmbedding})
 * @param stages     add an output per stage, {@code stage0} … (the features a dense head reads,
 *                   {@link dev.hybridvit.models.VisionModel#forwardStages}), after the logits, so one
 *                   session checks a classifier's logits and its multi-scale features together
 * @param channelsLast write the deploy forms for a runtime that keeps maps channels-last, as ONNX
 *                   Runtime does around its int8 convs (Next-ViT's E-MHSA then reads the map as
 *                   tokens instead of transposing it); the int8 exports set it, float32 keeps the
 *                   form ORT runs blocked (docs/quantization.md)
 */
public record ExportOptions(
        boolean deploy,
        int batch,
        int opset,
        List<String> classNames,
        Preprocessing preprocessing,
        boolean embedding,
        boolean stages,
        boolean channelsLast) {
    public ExportOptions {
        if (batch < 0) throw new IllegalArgumentException("batch must be positive (or 0 for dynamic), got " + batch);
        if (opset < OnnxGraph.MIN_OPSET || opset > OnnxGraph.MAX_OPSET) {
            throw new IllegalArgumentException("opset " + opset + " is not supported (use " + OnnxGraph.MIN_OPSET + ".."
                    + OnnxGraph.MAX_OPSET + ")");
        }
        classNames = List.copyOf(classNames);
    }

    /** Eval form, batch 1, opset {@value OnnxGraph#DEFAULT_OPSET}. */
    public static ExportOptions defaults() {
        return new ExportOptions(false, 1, OnnxGraph.DEFAULT_OPSET, List.of(), null, false, false, false);
    }

    public ExportOptions withDeploy(boolean d) {
        return new ExportOptions(d, batch, opset, classNames, preprocessing, embedding, stages, channelsLast);
    }

    public ExportOptions withBatch(int b) {
        return new ExportOptions(deploy, b, opset, classNames, preprocessing, embedding, stages, channelsLast);
    }

    public ExportOptions withDynamicBatch() {
        return new ExportOptions(deploy, 0, opset, classNames, preprocessing, embedding, stages, channelsLast);
    }

    public ExportOptions withOpset(int o) {
        return new ExportOptions(deploy, batch, o, classNames, preprocessing, embedding, stages, channelsLast);
    }

    public ExportOptions withClassNames(List<String> names) {
        return new ExportOptions(deploy, batch, opset, names, preprocessing, embedding, stages, channelsLast);
    }

    public ExportOptions withPreprocessing(Preprocessing p) {
        return new ExportOptions(deploy, batch, opset, classNames, p, embedding, stages, channelsLast);
    }

    public ExportOptions withEmbedding(boolean e) {
        return new ExportOptions(deploy, batch, opset, classNames, preprocessing, e, stages, channelsLast);
    }

    public ExportOptions withStages(boolean s) {
        return new ExportOptions(deploy, batch, opset, classNames, preprocessing, embedding, s, channelsLast);
    }

    public ExportOptions withChannelsLast(boolean c) {
        return new ExportOptions(deploy, batch, opset, classNames, preprocessing, embedding, stages, c);
    }

    public boolean dynamicBatch() {
        return batch == 0;
    }
}
