package dev.hybridvit.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.hybridvit.testing.ReferenceCase;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every bad input fails with its own message naming the file (and the key where there is one),
 * never with a raw parser exception: truncated archives and pickles, forbidden pickle globals,
 * shape mismatches, missing and unexpected keys, files that are not checkpoints at all.
 */
class WeightsErrorsTest extends ManagedTest {
    private Path tinyPth(String name) throws Exception {
        try (TinyNet net = TinyNet.create(10, 1)) {
            Path f = dir.resolve(name);
            PthWriter.write(f, net.stateDict());
            return f;
        }
    }

    @Test
    void truncatedZip() throws Exception {
        Path good = tinyPth("good.pth");
        byte[] all = Files.readAllBytes(good);
        Path cut = Files.write(dir.resolve("cut.pth"), Arrays.copyOf(all, all.length / 2));
        assertThatThrownBy(() -> Weights.read(cut, manager))
                .isInstanceOf(WeightsFormatException.class)
                .hasMessageContaining("cut.pth")
                .hasMessageContaining("truncated");
    }

    @Test
    void truncatedPickleInsideAValidZip() throws Exception {
        byte[] pickle;
        try (TinyNet net = TinyNet.create(10, 1)) {
            pickle = PthWriter.pickle(java.util.List.copyOf(net.stateDict().entrySet()), null);
        }
        Path f = TestFiles.pth(dir.resolve("halfpickle.pth"), Arrays.copyOf(pickle, pickle.length / 2), Map.of());
        assertThatThrownBy(() -> Weights.read(f, manager))
                .isInstanceOf(WeightsFormatException.class)
                .hasMessageContaining("halfpickle.pth")
                .hasMessageContaining("truncated");
    }

    @Test
    void missingStorageRecordNamesTheTensor() throws Exception {
        Path f = tinyPth("nostorage.pth");
        // rebuild the archive without its storage records
        byte[] pickle;
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(f);
                var zip = new java.util.zip.ZipFile(f.toFile())) {
            pickle = zip.getInputStream(zip.getEntry("archive/data.pkl")).readAllBytes();
        }
        Path g = TestFiles.pth(dir.resolve("nostorage2.pth"), pickle, Map.of());
        assertThatThrownBy(() -> Weights.read(g, manager))
                .isInstanceOf(WeightsFormatException.class)
                .hasMessageContaining("nostorage2.pth")
                .hasMessageContaining("'stem.0.weight'")
                .hasMessageContaining("archive/data/0");
    }

    /** {@code os.system('echo pwned')} as a protocol-2 pickle, written opcode by opcode. */
    static byte[] osSystemPickle() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(new byte[] {(byte) 0x80, 2});
        b.writeBytes("cos\nsystem\n".getBytes(StandardCharsets.US_ASCII));
        byte[] arg = "echo pwned".getBytes(StandardCharsets.US_ASCII);
        b.write('X');
        b.writeBytes(new byte[] {(byte) arg.length, 0, 0, 0});
        b.writeBytes(arg);
        b.write(0x85); // TUPLE1
        b.write('R'); // REDUCE
        b.write('.');
        return b.toByteArray();
    }

    @Test
    void forbiddenGlobalIsRefusedByName() throws Exception {
        Path f = TestFiles.pth(dir.resolve("evil.pth"), osSystemPickle(), Map.of());
        assertThatThrownBy(() -> Weights.read(f, manager))
                .isInstanceOf(WeightsFormatException.class)
                .hasMessageContaining("evil.pth")
                .hasMessageContaining("'os.system'")
                .hasMessageContaining("nothing was executed");
    }

    @Test
    void forbiddenGlobalViaStackGlobalIsRefusedToo() throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(new byte[] {(byte) 0x80, 4});
        for (String s : new String[] {"builtins", "eval"}) {
            b.write(0x8c); // SHORT_BINUNICODE
            b.write(s.length());
            b.writeBytes(s.getBytes(StandardCharsets.US_ASCII));
        }
        b.write(0x93); // STACK_GLOBAL
        b.write('.');
        Path f = TestFiles.pth(dir.resolve("evil4.pth"), b.toByteArray(), Map.of());
        assertThatThrownBy(() -> Weights.read(f, manager))
                .isInstanceOf(WeightsFormatException.class)
                .hasMessageContaining("'builtins.eval'");
    }

    @Test
    void shapeMismatchNamesFileAndKey() throws Exception {
        try (TinyNet a = TinyNet.create(10, 1);
                TinyNet b = TinyNet.create(10, 2)) {
            LinkedHashMap<String, NDArray> sd = new LinkedHashMap<>(a.stateDict());
            sd.put("features.1.mlp.conv1.weight", manager.zeros(new Shape(16, 8, 3, 3)));
            Path f = dir.resolve("shape.safetensors");
            SafeTensors.write(f, sd, Map.of());
            assertThatThrownBy(() -> WeightsLoader.load(b, f))
                    .isInstanceOf(WeightsMismatchException.class)
                    .hasMessageContaining("shape.safetensors")
                    .hasMessageContaining("tiny_nextvit")
                    .hasMessageContaining(
                            "features.1.mlp.conv1.weight: file has (16, 8, 3, 3), model expects (16, 8, 1, 1)");
        }
    }

    @Test
    void missingKeyNamesFileAndKeyAndLenientModeReportsIt() throws Exception {
        try (TinyNet a = TinyNet.create(10, 1);
                TinyNet b = TinyNet.create(10, 2)) {
            LinkedHashMap<String, NDArray> sd = new LinkedHashMap<>(a.stateDict());
            sd.remove("norm.running_var");
            Path f = dir.resolve("missing.pth");
            PthWriter.write(f, sd);
            assertThatThrownBy(() -> WeightsLoader.load(b, f))
                    .isInstanceOf(WeightsMismatchException.class)
                    .hasMessageContaining("missing.pth")
                    .hasMessageContaining("1 missing key (first: norm.running_var)");
            WeightsLoader.Result r = WeightsLoader.load(b, f, WeightsLoader.Options.LENIENT);
            assertThat(r.report().missing()).containsExactly("norm.running_var");
            assertThat(r.describe()).contains("skipped: 1 missing key (first: norm.running_var)");
            assertThat(r.loaded()).isEqualTo(sd.size());
        }
    }

    @Test
    void unexpectedKeyIsAnErrorInStrictMode() throws Exception {
        try (TinyNet a = TinyNet.create(10, 1);
                TinyNet b = TinyNet.create(10, 2)) {
            LinkedHashMap<String, NDArray> sd = new LinkedHashMap<>(a.stateDict());
            sd.put("features.7.norm.weight", manager.ones(new Shape(8)));
            Path f = dir.resolve("extra.safetensors");
            SafeTensors.write(f, sd, Map.of());
            assertThatThrownBy(() -> WeightsLoader.load(b, f))
                    .isInstanceOf(WeightsMismatchException.class)
                    .hasMessageContaining("extra.safetensors")
                    .hasMessageContaining("1 unexpected key (first: features.7.norm.weight)");
        }
    }

    @Test
    void classifierOfAnotherClassCountFailsWithAHintOrIsReinitialisedWhenAsked() throws Exception {
        try (TinyNet a = TinyNet.create(1000, 1);
                TinyNet b = TinyNet.create(10, 2)) {
            Path f = dir.resolve("imagenet.pth");
            PthWriter.write(f, a.stateDict(), "model");
            assertThatThrownBy(() -> WeightsLoader.load(b, f))
                    .isInstanceOf(WeightsMismatchException.class)
                    .hasMessageContaining("imagenet.pth")
                    .hasMessageContaining("proj_head.0.weight: file has (1000, 8), model expects (10, 8)")
                    .hasMessageContaining("--num-classes 10");
            float[] before = b.stateDict().get("proj_head.0.weight").toFloatArray();
            WeightsLoader.Result r = WeightsLoader.load(b, f, WeightsLoader.Options.STRICT.withResetClassifier(true));
            assertThat(r.location()).isEqualTo("model");
            assertThat(r.reinitialized()).hasSize(2);
            assertThat(r.reinitialized().get(0)).startsWith("proj_head.0.weight (file (1000, 8), model (10, 8))");
            assertThat(r.describe()).contains("classifier re-initialised");
            assertThat(b.stateDict().get("proj_head.0.weight").toFloatArray()).containsExactly(before);
            assertThat(b.stateDict().get("norm.weight").toFloatArray())
                    .containsExactly(a.stateDict().get("norm.weight").toFloatArray());
        }
    }

    @Test
    void pngIsNotACheckpoint() throws Exception {
        byte[] png = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R', 0, 0, 0, 1};
        Path f = Files.write(dir.resolve("photo.pth"), png);
        assertThatThrownBy(() -> Weights.read(f, manager))
                .isInstanceOf(WeightsFormatException.class)
                .hasMessageContaining("photo.pth")
                .hasMessageContaining("not a weights file (expected a PyTorch zip checkpoint)")
                .hasMessageContaining("a PNG image");
    }

    @Test
    void textIsNotACheckpoint() throws Exception {
        Path f = Files.writeString(dir.resolve("notes.safetensors"), "these are not the weights you are looking for\n");
        assertThatThrownBy(() -> Weights.read(f, manager))
                .isInstanceOf(WeightsFormatException.class)
                .hasMessageContaining("notes.safetensors")
                .hasMessageContaining("text (starts with \"these are not the weights");
        Path empty = Files.write(dir.resolve("empty.bin"), new byte[0]);
        assertThatThrownBy(() -> Weights.read(empty, manager))
                .hasMessageContaining("empty.bin")
                .hasMessageContaining("empty (0 bytes)");
        assertThatThrownBy(() -> Weights.read(dir.resolve("absent.pth"), manager))
                .hasMessageContaining("absent.pth: no such file");
    }

    @Test
    void legacyPickleFileGetsAHint() throws Exception {
        Path f = Files.write(dir.resolve("old.pth"), new byte[] {(byte) 0x80, 2, (byte) 0x8a, 10});
        assertThatThrownBy(() -> Weights.read(f, manager))
                .isInstanceOf(WeightsFormatException.class)
                .hasMessageContaining("old.pth")
                .hasMessageContaining("legacy torch.save format");
    }

    @Test
    void zipWithoutPickleOrArraysIsNotACheckpoint() throws Exception {
        Path f = dir.resolve("other.pth");
        try (var zip = new java.util.zip.ZipOutputStream(Files.newOutputStream(f))) {
            zip.putNextEntry(new java.util.zip.ZipEntry("readme.txt"));
            zip.write("hello".getBytes());
            zip.closeEntry();
        }
        assertThatThrownBy(() -> Weights.read(f, manager))
                .isInstanceOf(WeightsFormatException.class)
                .hasMessageContaining("other.pth")
                .hasMessageContaining("without a data.pkl record");
    }

    @Test
    void truncatedSafetensors() throws Exception {
        try (TinyNet a = TinyNet.create(10, 1)) {
            Path f = dir.resolve("t.safetensors");
            SafeTensors.write(f, a.stateDict(), Map.of());
            byte[] all = Files.readAllBytes(f);
            Files.write(f, Arrays.copyOf(all, all.length - 100));
            assertThatThrownBy(() -> Weights.read(f, manager))
                    .isInstanceOf(WeightsFormatException.class)
                    .hasMessageContaining("t.safetensors")
                    .hasMessageContaining("truncated or corrupt");
        }
    }

    @Test
    void checkpointOfAnotherFamilyIsNamedAsSuch() throws Exception {
        Path cmt = ReferenceCase.directory().resolve("cmt_ti_160_s2024.pth");
        try (TinyNet b = TinyNet.create(10, 2)) {
            assertThatThrownBy(() -> WeightsLoader.load(b, cmt))
                    .isInstanceOf(WeightsFormatException.class)
                    .hasMessageContaining("cmt_ti_160_s2024.pth")
                    .hasMessageContaining("official CMT")
                    .hasMessageContaining("tiny_nextvit is a nextvit model");
        }
    }

    @Test
    void nestedDictThatIsNotAStateDict() throws Exception {
        // {'model': {'a': 1}}
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(new byte[] {(byte) 0x80, 2, '}', 'X', 5, 0, 0, 0});
        b.writeBytes("model".getBytes());
        b.writeBytes(new byte[] {'}', 'X', 1, 0, 0, 0, 'a', 'K', 1, 's', 's', '.'});
        Path f = TestFiles.pth(dir.resolve("odd.pth"), b.toByteArray(), Map.of());
        assertThatThrownBy(() -> Weights.read(f, manager))
                .isInstanceOf(WeightsFormatException.class)
                .hasMessageContaining("odd.pth")
                .hasMessageContaining("'model' is a dict but not a state dict: entry 'a' is not a tensor (int)");
    }
}
