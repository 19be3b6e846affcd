package dev.hybridvit.nn;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.VisionModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * 2,000 scoped forwards after warm-up must not grow the process's resident memory by more than
 * 200 MB (an unscoped forward leaks its activations: ~1 GB per 100 forwards at 224).
 */
class MemoryScopeTest {
    @Test
    void scopedForwardsDoNotLeak() throws IOException {
        try (VisionModel model = ModelRegistry.get("nextvit_pico_hv")
                .create(ModelOptions.defaults().withImageSize(64), 0)) {
            NDArray x = model.manager().randomNormal(new Shape(1, 3, 64, 64));
            // warm-up: libtorch's allocator caches, oneDNN primitives and the Java heap settle within a few hundred
            // steps
            for (int i = 0; i < 500; i++) model.predict(x).close();
            long before = residentKb();
            List<Long> growthMb = new ArrayList<>(); // after every 250 forwards, shown if the check fails
            for (int i = 1; i <= 2000; i++) {
                model.predict(x).close();
                if (i % 250 == 0) growthMb.add((residentKb() - before) / 1024);
            }
            assertThat(growthMb.get(growthMb.size() - 1))
                    .as("RSS growth in MB, every 250 forwards: %s", growthMb)
                    .isLessThan(200);
        }
    }

    static long residentKb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("\\D", ""));
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
