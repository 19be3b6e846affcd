package dev.hybridvit.profile;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OrtProfileTest {
    private static String node(String name, String op, long dur) {
        return "{\"cat\":\"Node\",\"name\":\"" + name + "_kernel_time\",\"dur\":" + dur + ",\"args\":{\"op_name\":\""
                + op + "\"}}";
    }

    private static String run(long dur) {
        return "{\"cat\":\"Session\",\"name\":\"model_run\",\"dur\":" + dur + "}";
    }

    /** A run another process preempted (the 40 ms Add) does not decide the shares: each node counts with its median. */
    @Test
    void opTimesAreSumsOfNodeMedians(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("profile.json");
        Files.writeString(
                f,
                "["
                        + String.join(
                                ",",
                                node("conv1", "Conv", 900),
                                node("add1", "Add", 100),
                                run(1100),
                                node("conv1", "Conv", 1000),
                                node("add1", "Add", 40000),
                                run(41200),
                                node("conv1", "Conv", 1100),
                                node("add1", "Add", 100),
                                node("conv2", "Conv", 500),
                                run(1300))
                        + "]");
        OrtProfile.Summary s = OrtProfile.read(f);
        assertEquals("Conv", s.ops().get(0).op());
        assertEquals(1.5, s.ops().get(0).millis(), 1e-9); // conv1's median 1.0 + conv2's 0.5
        assertEquals(2, s.ops().get(0).nodes());
        assertEquals(0.1, s.ops().get(1).millis(), 1e-9);
        assertEquals(1.6, s.kernelMillis(), 1e-9);
        assertEquals(1.3, s.runMillis(), 1e-9);
        assertEquals(1.5 / 1.6, s.ops().get(0).share(), 1e-9);
    }
}
