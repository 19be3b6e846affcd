package dev.hybridvit.models.cmt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.tensor.Tensors;
import dev.hybridvit.testing.GradientCheck;
import java.nio.ByteBuffer;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Training mode: every parameter, the resized relative position biases included, gets a finite gradient. */
class CMTTrainingTest {
    /**
     * Gradients that are zero by construction: a bias feeding straight into a training-mode BN
     * (the BN removes any per-channel shift), and the key bias (it shifts every score of a query
     * by the same amount, which the softmax ignores). They come out as float noise or exactly 0.
     */
    private static final Set<String> ZERO_BY_CONSTRUCTION =
            Set.of("attn.k.bias", "attn.sr.0.bias", "mlp.conv2.0.bias", "mlp.proj_bn.bias", "_fc.bias");

    @Test
    void everyParameterGetsAGradientAfterAResizeAndAGarbageCollection() {
        try (CMT model = (CMT)
                ModelRegistry.get("cmt_nano_hv").create(ModelOptions.defaults().withNumClasses(5), 2)) {
            model.requireGradients(true);
            model.setInputSize(64); // the replaced bias slots keep requiring gradients
            model.setTraining(true);
            NDArray x = model.manager().randomUniform(-1, 1, new Shape(2, 3, 64, 64));
            GradientCheck.backward(() -> {
                NDArray loss =
                        Tensors.scoped(x, in -> model.forward(in).square().mean());
                // Regression: the attention scale was a DJL scalar over a Java buffer that a GC here
                // freed before backward read it, zeroing every q/k gradient.
                churnNativeMemory();
                return loss;
            });
            GradientCheck.assertGradientsFlow(
                    model, key -> ZERO_BY_CONSTRUCTION.stream().anyMatch(key::endsWith));
        }
    }

    private static void churnNativeMemory() {
        for (int i = 0; i < 3; i++) {
            System.gc();
            for (int j = 0; j < 16; j++) ByteBuffer.allocateDirect(1 << 16).putFloat(0, 123f);
        }
    }
}
