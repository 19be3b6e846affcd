package dev.hybridvit.weights;

import ai.djl.ndarray.NDManager;
import dev.hybridvit.tensor.Tensors;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** Shared setup of the weights tests: one array manager per test class and a temporary folder per test. */
abstract class ManagedTest {
    static NDManager manager;

    @TempDir
    Path dir;

    @BeforeAll
    static void openManager() {
        manager = Tensors.newManager();
    }

    @AfterAll
    static void closeManager() {
        manager.close();
    }
}
