package dev.hybridvit.weights;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The self-checks of the reference README for the splitmix64-v1 generator. */
class ReferenceFillTest {
    @Test
    void streamMatchesReadme() {
        double[] u = ReferenceFill.uniform(42, 4);
        assertThat(u).containsExactly(0.7415648698806763, 0.1599103808403015, 0.27860110998153687, 0.34419065713882446);
    }

    @Test
    void firstNextVitTensorMatchesReadme() {
        float[] w = new ReferenceFill(2024, 0.8, 3.0).tensor(0, "stem.0.conv.weight", new long[] {64, 3, 3, 3});
        assertThat(w[0]).isEqualTo(0.04179089888930321f);
        assertThat(w[1]).isEqualTo(0.04789184033870697f);
        assertThat(w[2]).isEqualTo(-0.07919622957706451f);
    }

    @Test
    void qkGainAppliesToQueryWeights() {
        float[] w = new ReferenceFill(2024, 0.8, 3.0).tensor(40, "blocks_a.0.attn.q.weight", new long[] {64, 64});
        assertThat(w[0]).isEqualTo(-0.17356529831886292f);
        assertThat(w[1]).isEqualTo(0.4446110427379608f);
        assertThat(w[2]).isEqualTo(0.42914697527885437f);
    }

    @Test
    void inputMatchesReadme() {
        float[] x = new ReferenceFill(2024, 0.8, 3.0).input(1, 4);
        assertThat(x[0]).isEqualTo(0.3874964714050293f);
        assertThat(x[1]).isEqualTo(-1.5536510944366455f);
        assertThat(x[2]).isEqualTo(1.9848320484161377f);
    }
}
