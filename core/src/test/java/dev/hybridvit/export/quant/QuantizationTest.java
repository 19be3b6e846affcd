package dev.hybridvit.export.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.hybridvit.data.Preprocessing;
import dev.hybridvit.export.ExportOptions;
import dev.hybridvit.export.Exporter;
import dev.hybridvit.export.onnx.OnnxGraph;
import dev.hybridvit.export.onnx.OnnxOp;
import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.ModelSpec;
import dev.hybridvit.models.VisionModel;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The int8 export of a compact model, as ONNX Runtime runs it: every convolution and weight MatMul
 * executes as an int8 kernel after ORT's QDQ fusion, and the logits stay close to float32.
 */
class QuantizationTest {
    private static final String MODEL = "trtvit_pico_hv";
    private static final int SIZE = 32;
    private static ModelProto floatModel;
    private static List<float[]> images;

    @BeforeAll
    static void export() throws Exception {
        ModelSpec spec = ModelRegistry.get(MODEL);
        try (VisionModel m =
                spec.create(ModelOptions.defaults().withImageSize(SIZE).withNumClasses(10), 3)) {
            floatModel =
                    Exporter.graph(m, ExportOptions.defaults().withDeploy(true)).build();
        }
        images = CalibrationImages.load("fashion-mnist", spec, Preprocessing.of(spec, SIZE), 24);
    }

    /** The compact model of each family (the large ones share their blocks), at 64 px. */
    static List<String> compactModels() {
        return ModelRegistry.names("*_hv");
    }

    @ParameterizedTest
    @MethodSource("compactModels")
    void convsAndLinearsRunAsInt8KernelsInOrt(String name, @TempDir Path dir) throws Exception {
        ModelProto floatModel;
        try (VisionModel m =
                ModelRegistry.get(name).create(ModelOptions.defaults().withImageSize(64), 3)) {
            // the form the int8 exports quantize
            floatModel = Exporter.graph(
                            m, ExportOptions.defaults().withDeploy(true).withChannelsLast(true))
                    .build();
        }
        java.util.Random r = new java.util.Random(1);
        List<float[]> noise = new java.util.ArrayList<>();
        for (int k = 0; k < 2; k++) {
            float[] x = new float[3 * 64 * 64];
            for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
            noise.add(x);
        }
        ModelProto q = Quantization.int8(floatModel, noise, "noise", QuantOptions.defaults(), i -> {});
        Map<String, Integer> before = opCounts(floatModel), after = opCounts(optimised(q, dir.resolve("opt.onnx")));
        // every conv but the stem's over the image (float by design) runs as an int8 kernel
        int stemConvs = (int) floatModel.getGraph().getNodeList().stream()
                .filter(n -> n.getOpType().equals("Conv") && n.getInput(0).equals("input"))
                .count();
        assertEquals(1, stemConvs, "one conv reads the image");
        int int8Convs = after.getOrDefault("QLinearConv", 0) + after.getOrDefault("ConvInteger", 0);
        assertEquals(before.get("Conv") - stemConvs, int8Convs, "convs as int8 kernels: " + after);
        // the stem's float conv (ORT may run a per-channel Mul after it as another NCHWc conv)
        assertTrue(
                after.getOrDefault("Conv", 0) + after.getOrDefault("FusedConv", 0) >= stemConvs,
                "the stem conv runs float: " + after);
        int activationMatMuls = activationMatMuls(floatModel);
        int int8MatMuls = after.getOrDefault("QLinearMatMul", 0)
                + after.getOrDefault("MatMulIntegerToFloat", 0)
                + after.getOrDefault("MatMulInteger", 0);
        assertEquals(before.getOrDefault("MatMul", 0) - activationMatMuls, int8MatMuls, "int8 MatMuls: " + after);
        // ORT folds a Transpose into a float MatMul as FusedMatMul
        assertEquals(
                activationMatMuls,
                after.getOrDefault("MatMul", 0) + after.getOrDefault("FusedMatMul", 0),
                "float MatMuls: " + after);
        // 2-D average pools run as int8 kernels too (the 1-D token pool of a float attention does not)
        long pools2d = floatModel.getGraph().getNodeList().stream()
                .filter(n -> n.getOpType().equals("GlobalAveragePool")
                        || (n.getOpType().equals("AveragePool")
                                && n.getAttributeList().stream()
                                        .anyMatch(a -> a.getName().equals("kernel_shape") && a.getIntsCount() == 2)))
                .count();
        assertEquals(
                pools2d,
                after.getOrDefault("QLinearAveragePool", 0) + after.getOrDefault("QLinearGlobalAveragePool", 0),
                "int8 pools: " + after);
        // each GELU runs as one kernel, its Erf pattern gone
        assertEquals(before.getOrDefault("Erf", 0), after.getOrDefault("Gelu", 0), "Gelu kernels: " + after);
        assertEquals(0, after.getOrDefault("Erf", 0), "Erf left: " + after);
        // opted in, every residual Add runs as ORT's QLinearAdd
        ModelProto withResiduals = Quantization.int8(
                floatModel, noise, "noise", QuantOptions.defaults().withResidualAdds(true), i -> {});
        Map<String, Integer> residual = opCounts(optimised(withResiduals, dir.resolve("residual.onnx")));
        assertEquals(
                residualAdds(floatModel),
                residual.getOrDefault("QLinearAdd", 0),
                "with residualAdds, every Add of two computed tensors runs as QLinearAdd: " + residual);
        assertEquals("int8", Quantization.metadata(q).get(Quantization.PRECISION));
        assertEquals("2", Quantization.metadata(q).get(Quantization.CALIBRATION_IMAGES));
    }

    /** The float-op forms of the int8 graph compute what the float graph does, at opset 17 (raised to 20) and 20. */
    @ParameterizedTest
    @MethodSource("compactModels")
    void floatOpFormsKeepTheFloatOutput(String name) throws Exception {
        for (int opset : new int[] {OnnxGraph.DEFAULT_OPSET, 20}) {
            ModelProto f;
            try (VisionModel m =
                    ModelRegistry.get(name).create(ModelOptions.defaults().withImageSize(SIZE), 3)) {
                f = Exporter.graph(m, ExportOptions.defaults().withDeploy(true).withOpset(opset))
                        .build();
            }
            ModelProto forms = FloatOpForms.apply(f);
            Map<String, Integer> before = opCounts(f), after = opCounts(forms);
            String where = name + " opset " + opset;
            assertEquals(before.getOrDefault("Erf", 0), after.getOrDefault("Gelu", 0), where);
            assertEquals(0, after.getOrDefault("Erf", 0), where);
            if (before.containsKey("Erf")) {
                assertEquals(20, FloatOpForms.onnxOpset(forms), where);
                assertTrue(forms.getGraph().getNodeList().stream()
                        .filter(n -> n.getOpType().equals("Gelu"))
                        .allMatch(n -> n.getDomain().isEmpty()));
            }
            float[] a = run(f, images.get(0)), b = run(forms, images.get(0));
            for (int i = 0; i < a.length; i++)
                assertEquals(a[i], b[i], 1e-4 * (1 + Math.abs(a[i])), where + " logit " + i);
        }
    }

    /** A graph with an op whose opset-20 form is not known to match stays at its opset, with ORT's contrib Gelu. */
    @Test
    void geluFallsBackToTheContribOpBelowOpset20() throws Exception {
        OnnxGraph g = new OnnxGraph("gelu", OnnxGraph.DEFAULT_OPSET, false);
        String x = g.input("input", 1, 4);
        String erf =
                g.add(OnnxOp.ERF, "erf", List.of(g.add(OnnxOp.DIV, "div", List.of(x, g.scalar((float) Math.sqrt(2))))));
        String y = g.add(
                OnnxOp.MUL,
                "gelu",
                List.of(
                        g.add(OnnxOp.MUL, "mul", List.of(x, g.add(OnnxOp.ADD, "add", List.of(erf, g.scalar(1f))))),
                        g.scalar(0.5f)));
        g.output(y, "gelu");
        ModelProto m = g.build();
        // an op outside the known set (GreaterOrEqual changes at opset 16 and later)
        m = m.toBuilder()
                .setGraph(m.getGraph().toBuilder()
                        .addNode(NodeProto.newBuilder()
                                .setOpType("GreaterOrEqual")
                                .setName("ge")
                                .addInput(y)
                                .addInput(x)
                                .addOutput("ge")))
                .build();
        ModelProto forms = FloatOpForms.apply(m);
        assertEquals(OnnxGraph.DEFAULT_OPSET, FloatOpForms.onnxOpset(forms));
        NodeProto gelu = forms.getGraph().getNodeList().stream()
                .filter(n -> n.getOpType().equals("Gelu"))
                .findFirst()
                .orElseThrow();
        assertEquals(FloatOpForms.MS_DOMAIN, gelu.getDomain());
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        float[] in = {-2f, -0.5f, 0.5f, 3f};
        try (OrtSession s = env.createSession(forms.toByteArray(), new OrtSession.SessionOptions());
                OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(in), new long[] {1, 4});
                OrtSession.Result r = s.run(Map.of("input", t))) {
            float[] out = ((float[][]) r.get(0).getValue())[0];
            for (int i = 0; i < in.length; i++) {
                double exact = 0.5 * in[i] * (1 + erf(in[i] / Math.sqrt(2)));
                assertEquals(exact, out[i], 1e-5, "gelu(" + in[i] + ")");
            }
        }
    }

    /** erf by Abramowitz–Stegun 7.1.26 (|error| < 1.5e-7). */
    private static double erf(double x) {
        double t = 1 / (1 + 0.3275911 * Math.abs(x));
        double y = 1
                - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592)
                        * t
                        * Math.exp(-x * x);
        return Math.signum(x) * y;
    }

    @Test
    void int8LogitsFollowFloat32() throws Exception {
        for (CalibrationMethod method :
                List.of(CalibrationMethod.MINMAX, CalibrationMethod.PERCENTILE, CalibrationMethod.ENTROPY)) {
            ModelProto q = Quantization.int8(
                    floatModel, images, "fashion-mnist", QuantOptions.defaults().withMethod(method), i -> {});
            double cos = 0;
            int agree = 0, n = 8;
            for (int i = 0; i < n; i++) {
                float[] a = run(floatModel, images.get(i)), b = run(q, images.get(i));
                cos += Int8Report.cosine(a, b) / n;
                if (Int8Report.argmax(a) == Int8Report.argmax(b)) agree++;
            }
            // entropy calibration clips the long tails of this random-init model hard (docs/quantization.md)
            boolean entropy = method == CalibrationMethod.ENTROPY;
            assertTrue(cos > (entropy ? 0.95 : 0.99), method + ": logit cosine " + cos);
            if (!entropy) assertTrue(agree >= n - 1, method + ": top-1 agrees on " + agree + "/" + n);
        }
    }

    @Test
    void fp16MatchesFloat32InOrt() throws Exception {
        for (boolean halfIo : new boolean[] {false, true}) {
            ModelProto h = Quantization.fp16(floatModel, halfIo);
            for (int i = 0; i < 2; i++) {
                float[] a = run(floatModel, images.get(i)), b = run(h, images.get(i));
                assertTrue(Int8Report.cosine(a, b) > 0.9999, "fp16 cosine " + Int8Report.cosine(a, b));
            }
        }
    }

    @Test
    void aGraphWithoutConvOrLinearLayersCannotBeQuantized() {
        dev.hybridvit.export.onnx.OnnxGraph g = new dev.hybridvit.export.onnx.OnnxGraph("relu", 17, false);
        String x = g.input("input", 1, 3, 4, 4);
        g.output(g.add(dev.hybridvit.export.onnx.OnnxOp.RELU, "relu", List.of(x)), "logits");
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class,
                () -> Quantization.int8(g.build(), images, "fashion-mnist", QuantOptions.defaults(), i -> {}));
        assertTrue(e.getMessage().contains("no convolution or linear layer"), e.getMessage());
    }

    static Map<String, Integer> opCounts(ModelProto m) {
        Map<String, Integer> counts = new HashMap<>();
        for (NodeProto n : m.getGraph().getNodeList()) counts.merge(n.getOpType(), 1, Integer::sum);
        return counts;
    }

    /** MatMuls without a constant right operand: attention's, and the weight-on-the-left kv projections. */
    private static int activationMatMuls(ModelProto m) {
        Set<String> inits = new HashSet<>();
        m.getGraph().getInitializerList().forEach(t -> inits.add(t.getName()));
        return (int) m.getGraph().getNodeList().stream()
                .filter(n -> n.getOpType().equals("MatMul"))
                .filter(n -> !inits.contains(n.getInput(1)))
                .count();
    }

    /** Adds of two computed tensors (residual connections), neither a constant nor the graph input. */
    private static int residualAdds(ModelProto m) {
        Set<String> constants = new HashSet<>();
        m.getGraph().getInitializerList().forEach(t -> constants.add(t.getName()));
        m.getGraph().getInputList().forEach(i -> constants.add(i.getName()));
        return (int) m.getGraph().getNodeList().stream()
                .filter(n -> n.getOpType().equals("Add"))
                .filter(n -> n.getInputList().stream().noneMatch(constants::contains))
                .count();
    }

    /** The graph ORT actually runs (all optimisations), as it saves it. */
    static ModelProto optimised(ModelProto m, Path file) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            so.setOptimizedModelFilePath(file.toString());
            try (OrtSession s = env.createSession(m.toByteArray(), so)) {
                // the file is written when the session is built
            }
        }
        return ModelProto.parseFrom(Files.readAllBytes(file));
    }

    private static float[] run(ModelProto m, float[] image) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        boolean half = m.getGraph().getInput(0).getType().getTensorType().getElemType() == Fp16Converter.FLOAT16;
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions();
                OrtSession s = env.createSession(m.toByteArray(), so)) {
            long[] shape = {1, 3, SIZE, SIZE};
            OnnxTensor t;
            if (half) {
                java.nio.ShortBuffer sb = java.nio.ShortBuffer.allocate(image.length);
                for (float v : image) sb.put(Fp16Converter.toHalf(v));
                sb.flip();
                t = OnnxTensor.createTensor(env, sb, shape, ai.onnxruntime.OnnxJavaType.FLOAT16);
            } else t = OnnxTensor.createTensor(env, FloatBuffer.wrap(image), shape);
            try (t;
                    OrtSession.Result r = s.run(Map.of("input", t))) {
                OnnxTensor out = (OnnxTensor) r.get(0);
                if (half) {
                    java.nio.ShortBuffer sb = out.getShortBuffer();
                    float[] v = new float[sb.remaining()];
                    for (int i = 0; i < v.length; i++) v[i] = Fp16Converter.fromHalf(sb.get(i));
                    return v;
                }
                FloatBuffer fb = out.getFloatBuffer();
                float[] v = new float[fb.remaining()];
                fb.get(v);
                return v;
            }
        }
    }
}
