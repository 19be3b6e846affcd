package dev.hybridvit.export.quant;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import dev.hybridvit.data.Preprocessing;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.ModelSpec;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;
import java.util.function.UnaryOperator;

/**
 * Reduced-precision forms of an exported float32 graph, as passes for
 * {@link dev.hybridvit.export.Exporter#export(dev.hybridvit.models.VisionModel, java.nio.file.Path,
 * dev.hybridvit.export.ExportOptions, UnaryOperator) Exporter.export}: static int8 in the QDQ form
 * ({@link QdqQuantizer}, calibrated by {@link Calibrator}) and float16 ({@link Fp16Converter}). Each
 * records its precision (and calibration) in the model metadata.
 */
public final class Quantization {
    /** Metadata keys. */
    public static final String PRECISION = "precision",
            CALIBRATION = "calibration",
            CALIBRATION_METHOD = "calibration_method",
            CALIBRATION_IMAGES = "calibration_images",
            IO = "io_precision";

    private Quantization() {}

    /** Where calibration images come from: {@code fashion-mnist} or a folder, and how many. */
    public record Calibration(String source, int images) {}

    /** The pass producing {@code precision} (FP32: the graph unchanged). */
    public static UnaryOperator<ModelProto> pass(
            Precision precision, Calibration calibration, QuantOptions options, boolean halfIo, IntConsumer progress) {
        return switch (precision) {
            case FP32 -> m -> withMetadata(m, Map.of(PRECISION, "fp32"));
            case FP16 -> m -> fp16(m, halfIo);
            case INT8 -> {
                if (calibration == null)
                    throw new IllegalArgumentException(
                            "int8 export needs calibration images (--calibration DIR|fashion-mnist)");
                yield m -> int8(m, calibration, options, progress);
            }
        };
    }

    /** float16 weights and activations; float32 input/output behind casts unless {@code halfIo}. */
    public static ModelProto fp16(ModelProto floatModel, boolean halfIo) {
        return withMetadata(
                Fp16Converter.convert(floatModel, halfIo),
                Map.of(PRECISION, "fp16", IO, halfIo ? "float16" : "float32"));
    }

    /** Static int8 (QDQ), calibrated on images loaded through the preprocessing the model's metadata records. */
    public static ModelProto int8(
            ModelProto floatModel, Calibration calibration, QuantOptions options, IntConsumer progress) {
        Map<String, String> meta = metadata(floatModel);
        String name = meta.get("model");
        if (name == null) throw new IllegalArgumentException("the graph records no model name to calibrate with");
        ModelSpec spec = ModelRegistry.get(name);
        Preprocessing pre = Preprocessing.fromMetadata(meta, name);
        // the plan comes first: an unquantizable model fails before any image is read
        QdqQuantizer.Plan plan = QdqQuantizer.plan(floatModel, options);
        List<float[]> images;
        try {
            images = CalibrationImages.load(calibration.source(), spec, pre, calibration.images());
        } catch (IOException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        return int8(floatModel, plan, images, calibration.source(), options, progress);
    }

    /** Static int8 (QDQ) calibrated on {@code images} (3×H×W, preprocessed); {@code source} names them in the metadata. */
    public static ModelProto int8(
            ModelProto floatModel, List<float[]> images, String source, QuantOptions options, IntConsumer progress) {
        return int8(floatModel, QdqQuantizer.plan(floatModel, options), images, source, options, progress);
    }

    private static ModelProto int8(
            ModelProto floatModel,
            QdqQuantizer.Plan plan,
            List<float[]> images,
            String source,
            QuantOptions options,
            IntConsumer progress) {
        Map<String, Calibrator.Range> ranges =
                Calibrator.calibrate(floatModel, plan.tensors(), images, options, progress);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(PRECISION, "int8");
        meta.put(CALIBRATION, source);
        meta.put(
                CALIBRATION_METHOD,
                options.method().label()
                        + (options.method() == CalibrationMethod.PERCENTILE ? " " + options.percentile() : ""));
        meta.put(CALIBRATION_IMAGES, Integer.toString(images.size()));
        meta.put("quantized_nodes", Integer.toString(plan.quantizedNodes()));
        return withMetadata(plan.apply(ranges), meta);
    }

    /** The ONNX opset a model imports (an int8 graph's may be above the float graph's, see {@link FloatOpForms}). */
    public static int opset(ModelProto m) {
        return FloatOpForms.onnxOpset(m);
    }

    /** The metadata of a model as a map. */
    public static Map<String, String> metadata(ModelProto m) {
        Map<String, String> meta = new LinkedHashMap<>();
        for (StringStringEntryProto e : m.getMetadataPropsList()) meta.put(e.getKey(), e.getValue());
        return meta;
    }

    private static ModelProto withMetadata(ModelProto m, Map<String, String> extra) {
        Map<String, String> meta = metadata(m);
        meta.putAll(extra);
        ModelProto.Builder b = m.toBuilder().clearMetadataProps();
        meta.forEach((k, v) ->
                b.addMetadataProps(StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
        return b.build();
    }
}
