package dev.hybridvit.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Our own checkpoint: sections, metadata, EMA preference, and the atomic write. */
class CheckpointTest extends ManagedTest {
    @Test
    void savesWeightsTrainingStateAndMetadata() throws Exception {
        Path f = dir.resolve("run/last.safetensors");
        try (TinyNet net = TinyNet.create(3, 1);
                TinyNet ema = TinyNet.create(3, 5);
                TinyNet other = TinyNet.create(3, 9)) {
            Map<String, NDArray> opt = new LinkedHashMap<>();
            opt.put("exp_avg.stem.0.weight", manager.ones(new Shape(8, 3, 1, 1)));
            opt.put("step", manager.create(12L));
            Checkpoint.save(
                    f,
                    net,
                    List.of("cat", "dog", "eel"),
                    7,
                    opt,
                    ema.stateDict(),
                    Map.of("lr", 0.001, "optimizer", "adamw"));

            Checkpoint.Info info = Checkpoint.info(f).orElseThrow();
            assertThat(info.model()).isEqualTo("tiny_nextvit");
            assertThat(info.options().numClasses()).isEqualTo(3);
            assertThat(info.classNames()).containsExactly("cat", "dog", "eel");
            assertThat(info.epoch()).isEqualTo(7);
            assertThat(info.extra()).containsEntry("lr", 0.001).containsEntry("optimizer", "adamw");
            assertThat(SafeTensors.metadata(f).get("config"))
                    .contains("\"num_classes\":3")
                    .contains("\"family\":\"nextvit\"");

            try (Checkpoint.Contents c = Checkpoint.read(f, manager)) {
                assertThat(TestFiles.firstDifference(c.model(), TestFiles.bytes(net.stateDict()), net.stateDict()))
                        .isNull();
                assertThat(TestFiles.firstDifference(c.ema(), TestFiles.bytes(ema.stateDict()), ema.stateDict()))
                        .isNull();
                assertThat(c.optimizer().keySet()).containsExactly("exp_avg.stem.0.weight", "step");
                assertThat(c.optimizer().get("step").toLongArray()).containsExactly(12);
            }
            // plain load takes the model weights; preferEma the EMA ones
            WeightsLoader.Result r = WeightsLoader.load(other, f);
            assertThat(r.format()).isEqualTo("hybridvit checkpoint");
            assertThat(TestFiles.firstDifference(other.stateDict(), TestFiles.bytes(net.stateDict()), net.stateDict()))
                    .isNull();
            WeightsLoader.load(other, f, WeightsLoader.Options.STRICT.withPreferEma(true));
            assertThat(TestFiles.firstDifference(other.stateDict(), TestFiles.bytes(ema.stateDict()), ema.stateDict()))
                    .isNull();
            assertThat(Checkpoint.info(dir.resolve("run"))).isEmpty();
        }
    }

    @Test
    void plainSafetensorsIsNotOurCheckpoint() throws Exception {
        try (TinyNet net = TinyNet.create(3, 1)) {
            Path f = dir.resolve("plain.safetensors");
            WeightsExport.write(net, f);
            assertThat(Checkpoint.info(f)).isEmpty();
            assertThatThrownBy(() -> Checkpoint.read(f, manager))
                    .hasMessageContaining("plain.safetensors: not a hybridvit checkpoint");
            assertThatThrownBy(() -> WeightsLoader.createModel(f, 0))
                    .hasMessageContaining("plain.safetensors: has no model name");
        }
    }

    /** A tensor map whose data pass dies after {@code failAfter} tensors, like a full disk or a kill mid-write. */
    private static Map<String, NDArray> failingMidway(Map<String, NDArray> tensors, int failAfter) {
        return new LinkedHashMap<>(tensors) {
            @Override
            public Collection<NDArray> values() {
                Collection<NDArray> real = super.values();
                return new java.util.AbstractCollection<>() {
                    @Override
                    public Iterator<NDArray> iterator() {
                        Iterator<NDArray> it = real.iterator();
                        return new Iterator<>() {
                            int n;

                            @Override
                            public boolean hasNext() {
                                return it.hasNext();
                            }

                            @Override
                            public NDArray next() {
                                if (n++ == failAfter) throw new IllegalStateException("simulated crash while writing");
                                return it.next();
                            }
                        };
                    }

                    @Override
                    public int size() {
                        return real.size();
                    }
                };
            }
        };
    }

    @Test
    void interruptedWriteLeavesTheEarlierCheckpointIntact() throws Exception {
        Path f = dir.resolve("ckpt/best.safetensors");
        try (TinyNet v1 = TinyNet.create(3, 1);
                TinyNet v2 = TinyNet.create(3, 2)) {
            Checkpoint.save(f, v1, List.of(), 1, null, null, null);
            byte[] before = Files.readAllBytes(f);
            // the writer throws after the header and 5 tensors have been written
            assertThatThrownBy(() -> SafeTensors.write(f, failingMidway(v2.stateDict(), 5), Map.of()))
                    .hasMessageContaining("simulated crash");
            assertThat(Files.readAllBytes(f)).isEqualTo(before);
            try (Stream<Path> files = Files.list(f.getParent())) {
                assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactly("best.safetensors");
            }
            assertThat(Checkpoint.info(f).orElseThrow().epoch()).isEqualTo(1);
            // and the same for .pth exports and raw AtomicFiles writers
            Path pth = dir.resolve("ckpt/export.pth");
            PthWriter.write(pth, v1.stateDict());
            byte[] pthBefore = Files.readAllBytes(pth);
            assertThatThrownBy(() -> AtomicFiles.write(pth, (OutputStream out) -> {
                        out.write(new byte[1000]);
                        throw new IOException("disk full");
                    }))
                    .hasMessageContaining("disk full");
            assertThat(Files.readAllBytes(pth)).isEqualTo(pthBefore);
            try (Stream<Path> files = Files.list(f.getParent())) {
                assertThat(files.map(p -> p.getFileName().toString()).sorted().toList())
                        .containsExactly("best.safetensors", "export.pth");
            }
        }
    }
}
