package dev.hybridvit.weights;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import dev.hybridvit.tensor.Tensors;
import dev.hybridvit.testing.ReferenceCase;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real {@code torch.save} file of the reference set: parsed by the allow-listing unpickler,
 * its {@code model} state dict must hold exactly the official keys and shapes, and every float
 * value must equal the {@code splitmix64-v1} fill rule bit for bit (independent of any CMT code).
 */
class TorchCheckpointTest {
    private static NDManager manager;

    @BeforeAll
    static void open() {
        manager = Tensors.newManager();
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    private static Path file() {
        return ReferenceCase.directory().resolve("cmt_ti_160_s2024.pth");
    }

    @Test
    void referenceCheckpointHasTheOfficialTrainingLayout() throws Exception {
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(file())) {
            assertThat(ckpt.archiveName()).isEqualTo("cmt_ti_160_s2024");
            @SuppressWarnings("unchecked")
            Map<Object, Object> root = (Map<Object, Object>) ckpt.root();
            assertThat(new ArrayList<Object>(root.keySet()))
                    .containsExactly("model", "optimizer", "lr_scheduler", "epoch", "model_ema", "args");
            assertThat(root.get("epoch")).isEqualTo(299);
            assertThat(root.get("model_ema")).isNull();
            PickledObject args = (PickledObject) root.get("args");
            assertThat(args.className()).isEqualTo("argparse.Namespace");
            assertThat(args.get("model")).isEqualTo("cmt_ti");
            assertThat(args.get("input_size")).isEqualTo(160);
            assertThat(new ArrayList<Object>(((Map<?, ?>) root.get("optimizer")).keySet()))
                    .contains("state", "param_groups");
        }
    }

    @Test
    void referenceStateDictIsBitExactToTheFillRule() throws Exception {
        ReferenceCase ref = ReferenceCase.named("cmt_ti_160_s2024");
        ReferenceFill fill = ref.fill();
        Weights.Source src = Weights.read(file(), manager, false);
        try {
            assertThat(src.format()).isEqualTo("pth");
            assertThat(src.location()).isEqualTo("model");
            assertThat(src.metadata()).containsEntry("epoch", "299");
            LinkedHashMap<String, NDArray> sd = src.tensors();
            assertThat(sd).hasSize(708);
            List<String> names = new ArrayList<>(sd.keySet());
            int i = 0, t = 0;
            for (JsonNode e : ref.json().get("state_dict")) {
                String name = e.get("name").asText();
                assertThat(names.get(i++)).isEqualTo(name);
                NDArray a = sd.get(name);
                long[] shape = new long[e.get("shape").size()];
                for (int d = 0; d < shape.length; d++)
                    shape[d] = e.get("shape").get(d).asLong();
                assertThat(a.getShape().getShape()).as(name).containsExactly(shape);
                if (name.endsWith("num_batches_tracked")) {
                    assertThat(a.getDataType()).isEqualTo(DataType.INT64);
                    assertThat(a.toLongArray()).containsExactly(0L);
                    continue;
                }
                assertThat(a.getDataType()).isEqualTo(DataType.FLOAT32);
                float[] want = fill.tensor(t++, name, shape);
                float[] got = a.toFloatArray();
                assertThat(got.length).isEqualTo(want.length);
                for (int k = 0; k < got.length; k++) {
                    if (Float.floatToRawIntBits(got[k]) != Float.floatToRawIntBits(want[k])) {
                        throw new AssertionError(name + "[" + k + "] = " + got[k] + ", fill rule gives " + want[k]);
                    }
                }
            }
            assertThat(i).isEqualTo(708);
        } finally {
            src.tensors().values().forEach(NDArray::close);
        }
    }
}
