package dev.hybridvit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hybridvit.infer.OnnxPredictor;
import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.VisionModel;
import dev.hybridvit.tensor.Tensors;
import dev.hybridvit.testing.ReferenceCase;
import dev.hybridvit.weights.Npy;
import dev.hybridvit.weights.SafeTensors;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The CLI contract: output, exit codes, specific errors, no partial output files. */
class CliTest {
    @TempDir
    Path tmp;

    record Result(int code, String out, String err) {}

    static Result cli(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = Main.run(args);
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void modelsListsTheRegistryAndFiltersByGlob() {
        Result r = cli("models", "nextvit_*");
        assertThat(r.code).isZero();
        assertThat(r.out)
                .contains("nextvit_small", "31,763,368", "nextvit_large")
                .doesNotContain("cmt_");
        assertThat(cli("models", "nope*").code).isEqualTo(2);
    }

    @Test
    void infoJsonHasIntegerParamsAndMacs() throws IOException {
        Result r = cli("info", "nextvit_small", "--json");
        assertThat(r.code).as(r.err).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out);
        assertThat(j.get("params").isIntegralNumber()).isTrue();
        assertThat(j.get("params").asLong()).isEqualTo(31_763_368L);
        // official count (conv + linear + matmul): 5.794 G
        assertThat(j.get("macs").asLong() / 1e9).isCloseTo(5.794, org.assertj.core.data.Offset.offset(0.0005));
        assertThat(j.get("stages")).hasSize(6);
        assertThat(j.get("stateDict")).hasSize(472);
    }

    @Test
    void unknownModelSuggestsCloseNames() {
        Result r = cli("info", "nextvit_smal");
        assertThat(r.code).isEqualTo(2);
        assertThat(r.err).contains("unknown model 'nextvit_smal'", "nextvit_small");
    }

    static List<String> models() {
        return ModelRegistry.architectures();
    }

    /** {@code run} on every registered model: weights in, logits out, equal to the library's forward. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void runWritesTheModelsLogits(String name) throws IOException {
        int size = 64;
        Path weights = tmp.resolve(name + ".safetensors"), input = tmp.resolve("x.npy"), output = tmp.resolve("y.npy");
        float[] expected;
        try (VisionModel model =
                ModelRegistry.get(name).create(ModelOptions.defaults().withImageSize(size), 5)) {
            SafeTensors.write(weights, model.stateDict(), Map.of());
            NDManager m = model.manager();
            NDArray x = m.randomNormal(new ai.djl.ndarray.types.Shape(2, 3, size, size));
            Npy.write(input, x.getShape().getShape(), x.toFloatArray());
            expected = Tensors.toFloats(model.predict(x));
        }
        Result r = cli(
                "run",
                name,
                "--weights",
                weights.toString(),
                "--input",
                input.toString(),
                "--output",
                output.toString());
        assertThat(r.code).as(r.err).isZero();
        Npy.Array y = Npy.read(output);
        assertThat(y.shape()).containsExactly(2, 1000);
        assertThat(Tensors.maxAbsDiff(y.data(), expected)).isLessThanOrEqualTo(1e-5);
    }

    /** The parity tool itself reproduces the official logits from a weights file and an input file. */
    @Test
    void runReproducesOfficialLogits() throws IOException {
        ReferenceCase ref = ReferenceCase.named("nextvit_small_224_s2024");
        Path weights = tmp.resolve("w.safetensors"), input = tmp.resolve("x.npy"), output = tmp.resolve("y.npy");
        writeReferenceWeights(ref, weights);
        Npy.write(input, new long[] {ref.batch(), 3, ref.imageSize(), ref.imageSize()}, ref.input());
        for (String[] extra : new String[][] {{}, {"--deploy"}}) {
            Result r = cli(concat(
                    new String[] {
                        "run",
                        ref.model(),
                        "--weights",
                        weights.toString(),
                        "--input",
                        input.toString(),
                        "--output",
                        output.toString()
                    },
                    extra));
            assertThat(r.code).as(r.err).isZero();
            float[] want = extra.length == 0 ? ref.logits() : ref.deployLogits();
            assertThat(ReferenceCase.relativeError(Npy.read(output).data(), want))
                    .isLessThanOrEqualTo(ReferenceCase.TOLERANCE);
        }
    }

    /** {@code run --runtime onnx} on every registered model equals the eager forward. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void runOnOnnxRuntimeMatchesEager(String name) throws IOException {
        int size = 64;
        Path weights = tmp.resolve(name + ".safetensors"), input = tmp.resolve("x.npy"), output = tmp.resolve("y.npy");
        float[] expected;
        try (VisionModel model =
                ModelRegistry.get(name).create(ModelOptions.defaults().withImageSize(size), 5)) {
            SafeTensors.write(weights, model.stateDict(), Map.of());
            NDArray x = model.manager().randomNormal(new ai.djl.ndarray.types.Shape(3, 3, size, size));
            Npy.write(input, x.getShape().getShape(), x.toFloatArray());
            expected = Tensors.toFloats(model.predict(x));
        }
        for (String[] extra : new String[][] {{}, {"--deploy"}}) {
            Result r = cli(concat(
                    new String[] {
                        "run",
                        name,
                        "--runtime",
                        "onnx",
                        "--weights",
                        weights.toString(),
                        "--input",
                        input.toString(),
                        "--output",
                        output.toString()
                    },
                    extra));
            assertThat(r.code).as(r.err).isZero();
            assertThat(r.err).contains("ONNX Runtime");
            Npy.Array y = Npy.read(output);
            assertThat(y.shape()).containsExactly(3, 1000);
            assertThat(Tensors.maxAbsDiff(y.data(), expected) / Tensors.maxAbs(expected))
                    .isLessThanOrEqualTo(1e-4);
        }
    }

    /** Parity with the official logits (plain and deploy form), through the exported graph in ONNX Runtime. */
    @Test
    void runOnOnnxRuntimeReproducesOfficialLogits() throws IOException {
        ReferenceCase ref = ReferenceCase.named("nextvit_small_224_s2024");
        Path weights = tmp.resolve("w.safetensors"), input = tmp.resolve("x.npy"), output = tmp.resolve("y.npy");
        writeReferenceWeights(ref, weights);
        Npy.write(input, new long[] {ref.batch(), 3, ref.imageSize(), ref.imageSize()}, ref.input());
        for (String[] extra : new String[][] {{}, {"--deploy"}}) {
            Result r = cli(concat(
                    new String[] {
                        "run",
                        ref.model(),
                        "--runtime",
                        "onnx",
                        "--weights",
                        weights.toString(),
                        "--input",
                        input.toString(),
                        "--output",
                        output.toString()
                    },
                    extra));
            assertThat(r.code).as(r.err).isZero();
            float[] want = extra.length == 0 ? ref.logits() : ref.deployLogits();
            assertThat(ReferenceCase.relativeError(Npy.read(output).data(), want))
                    .isLessThanOrEqualTo(ReferenceCase.TOLERANCE);
        }
    }

    @Test
    void exportWritesAModelThatOnnxRuntimeRuns() throws IOException {
        int size = 64;
        Path weights = tmp.resolve("w.safetensors"), onnx = tmp.resolve("out/m.onnx");
        float[] input;
        float[] expected;
        try (VisionModel model = ModelRegistry.get("nextvit_small")
                .create(ModelOptions.defaults().withImageSize(size), 5)) {
            SafeTensors.write(weights, model.stateDict(), Map.of());
            NDArray x = model.manager().randomNormal(new ai.djl.ndarray.types.Shape(2, 3, size, size));
            input = x.toFloatArray();
            expected = Tensors.toFloats(model.predict(x));
        }
        Result r = cli(
                "export",
                "nextvit_small",
                "--weights",
                weights.toString(),
                "--onnx",
                onnx.toString(),
                "--deploy",
                "--batch",
                "dynamic",
                "--img-size",
                Integer.toString(size),
                "--opset",
                "18");
        assertThat(r.code).as(r.err).isZero();
        assertThat(r.err).contains("wrote", "nodes", "deploy form");
        try (OnnxPredictor p = OnnxPredictor.open(onnx)) {
            assertThat(p.exportedBatch()).isZero();
            assertThat(p.metadata()).containsEntry("model", "nextvit_small").containsEntry("image_size", "64");
            float[][] rows = p.predict(input, 2, 3, size, size);
            float[] flat = new float[2000];
            System.arraycopy(rows[0], 0, flat, 0, 1000);
            System.arraycopy(rows[1], 0, flat, 1000, 1000);
            assertThat(Tensors.maxAbsDiff(flat, expected) / Tensors.maxAbs(expected))
                    .isLessThanOrEqualTo(1e-4);
        }
        assertError(
                cli(
                        "export",
                        "nextvit_small",
                        "--weights",
                        weights.toString(),
                        "--onnx",
                        tmp.resolve("b.onnx").toString(),
                        "--batch",
                        "zero"),
                "--batch must be a positive integer or 'dynamic'");
        assertError(
                cli(
                        "export",
                        "nextvit_small",
                        "--weights",
                        weights.toString(),
                        "--onnx",
                        tmp.resolve("b.onnx").toString(),
                        "--opset",
                        "7"),
                "opset 7 is not supported");
        assertThat(Files.exists(tmp.resolve("b.onnx"))).isFalse();
    }

    /**
     * A real PyTorch checkpoint, laid out as the official CMT training script saves it, loads by one
     * flag and reproduces the official logits.
     */
    @Test
    void runLoadsTheOfficialCmtCheckpoint() throws IOException {
        ReferenceCase ref = ReferenceCase.named("cmt_ti_160_s2024");
        Path input = tmp.resolve("x.npy"), output = tmp.resolve("y.npy");
        Npy.write(input, new long[] {ref.batch(), 3, ref.imageSize(), ref.imageSize()}, ref.input());
        Result r = cli(
                "run",
                "cmt_ti",
                "--weights",
                ReferenceCase.directory().resolve("cmt_ti_160_s2024.pth").toString(),
                "--input",
                input.toString(),
                "--output",
                output.toString());
        assertThat(r.code).as(r.err).isZero();
        assertThat(ReferenceCase.relativeError(Npy.read(output).data(), ref.logits()))
                .isLessThanOrEqualTo(ReferenceCase.TOLERANCE);
    }

    @Test
    void runRejectsBadInputsWithSpecificErrorsAndWritesNothing() throws IOException {
        Path weights = tmp.resolve("w.safetensors"), output = tmp.resolve("y.npy");
        try (VisionModel model = ModelRegistry.get("nextvit_small")
                .create(ModelOptions.defaults().withImageSize(64), 5)) {
            Map<String, NDArray> sd = new LinkedHashMap<>(model.stateDict());
            SafeTensors.write(weights, sd, Map.of());
            sd.remove("features.3.mhca.norm.weight");
            SafeTensors.write(tmp.resolve("missing.safetensors"), sd, Map.of());
        }
        Path rank3 = tmp.resolve("r3.npy"),
                gray = tmp.resolve("gray.npy"),
                tiny = tmp.resolve("tiny.npy"),
                good = tmp.resolve("good.npy");
        Npy.write(rank3, new long[] {3, 64, 64}, new float[3 * 64 * 64]);
        Npy.write(gray, new long[] {1, 1, 64, 64}, new float[64 * 64]);
        Npy.write(tiny, new long[] {1, 3, 8, 8}, new float[3 * 64]);
        Npy.write(good, new long[] {1, 3, 64, 64}, new float[3 * 64 * 64]);
        Path text = tmp.resolve("notes.safetensors");
        Files.writeString(text, "this is not a tensor file");

        assertError(
                cli(
                        "run",
                        "nextvit_small",
                        "--weights",
                        weights.toString(),
                        "--input",
                        rank3.toString(),
                        "--output",
                        output.toString()),
                "expected an N×3×H×W tensor",
                "[3, 64, 64]");
        assertError(
                cli(
                        "run",
                        "nextvit_small",
                        "--weights",
                        weights.toString(),
                        "--input",
                        gray.toString(),
                        "--output",
                        output.toString()),
                "expected an N×3×H×W tensor");
        assertError(
                cli(
                        "run",
                        "nextvit_small",
                        "--weights",
                        weights.toString(),
                        "--input",
                        tiny.toString(),
                        "--output",
                        output.toString()),
                "too small");
        assertError(
                cli(
                        "run",
                        "nextvit_small",
                        "--weights",
                        tmp.resolve("missing.safetensors").toString(),
                        "--input",
                        good.toString(),
                        "--output",
                        output.toString()),
                "missing key",
                "features.3.mhca.norm.weight");
        assertError(
                cli(
                        "run",
                        "nextvit_small",
                        "--weights",
                        text.toString(),
                        "--input",
                        good.toString(),
                        "--output",
                        output.toString()),
                "notes.safetensors");
        assertError(
                cli(
                        "run",
                        "nextvit_small",
                        "--weights",
                        tmp.resolve("absent.safetensors").toString(),
                        "--input",
                        good.toString(),
                        "--output",
                        output.toString()),
                "absent.safetensors");
        assertError(
                cli(
                        "run",
                        "nextvit_small",
                        "--weights",
                        weights.toString(),
                        "--input",
                        tmp.resolve("absent.npy").toString(),
                        "--output",
                        output.toString()),
                "absent.npy");
        try (var files = Files.list(tmp)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .as("no output and no temp files")
                    .noneMatch(f -> f.startsWith("y.npy") || f.endsWith(".tmp"));
        }
    }

    /** Two exports of one model compared interleaved: same logits (plain vs deploy form), both latencies, the paired difference. */
    @Test
    void compareTimesTwoExportsInterleaved() throws IOException {
        Path weights = tmp.resolve("w.safetensors"),
                plain = tmp.resolve("plain.onnx"),
                deploy = tmp.resolve("deploy.onnx"),
                dynamic = tmp.resolve("dynamic.onnx");
        try (VisionModel model = ModelRegistry.get("trtvit_pico_hv").create(ModelOptions.defaults(), 5)) {
            SafeTensors.write(weights, model.stateDict(), Map.of());
        }
        for (String[] e : new String[][] {
            {plain.toString()}, {deploy.toString(), "--deploy"}, {dynamic.toString(), "--batch", "dynamic"}
        }) {
            Result r = cli(
                    concat(new String[] {"export", "trtvit_pico_hv", "--weights", weights.toString(), "--onnx"}, e));
            assertThat(r.code).as(r.err).isZero();
        }
        Result r =
                cli("compare", plain.toString(), deploy.toString(), "--rounds", "4", "--block", "3", "--threads", "1");
        assertThat(r.code).as(r.err).isZero();
        assertThat(r.out)
                .containsPattern(
                        "A median \\d+\\.\\d+ ms, B median \\d+\\.\\d+ ms \\(A/B = \\d+\\.\\d+\\); B − A: median [+-]\\d+\\.\\d+ ms");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("max \\|A − B\\| (\\S+) \\(max \\|A\\| (\\S+)\\)")
                .matcher(r.out);
        assertThat(m.find()).as(r.out).isTrue();
        assertThat(Double.parseDouble(m.group(1))).isLessThanOrEqualTo(1e-4 * Double.parseDouble(m.group(2)));
        assertThat(r.err).contains("round 4/4");
        assertError(cli("compare", plain.toString(), dynamic.toString()), "different batch sizes", "dynamic batch");
        assertError(cli("compare", plain.toString(), tmp.resolve("absent.onnx").toString()), "absent.onnx");
    }

    private static void assertError(Result r, String... fragments) {
        assertThat(r.code).as("exit code; stderr: %s", r.err).isEqualTo(2);
        assertThat(r.err).startsWith("error: ").contains(fragments).doesNotContain("\tat ");
    }

    static void writeReferenceWeights(ReferenceCase ref, Path file) throws IOException {
        try (VisionModel model = ModelRegistry.get(ref.model())
                        .architecture(ModelOptions.defaults().withImageSize(ref.imageSize()));
                NDManager m = Tensors.newManager()) {
            SafeTensors.write(file, ref.fill().stateDict(model.namedSlots(), m), Map.of());
        }
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
