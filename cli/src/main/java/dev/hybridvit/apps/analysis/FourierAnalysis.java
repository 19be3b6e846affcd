package dev.hybridvit.apps.analysis;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.hybridvit.models.VisionModel;
import java.util.ArrayList;
import java.util.List;

/**
 * The Fourier analysis of Next-ViT's Figure 5 (after Park and Kim, "How do vision transformers
 * work?", ICLR 2022): for each block's output, the log amplitude of its 2-D Fourier transform,
 * averaged over channels and images, along the diagonal from frequency 0 to π, relative to
 * frequency 0. Convolutions keep high frequencies (a small drop towards π), attention passes low
 * ones (a large drop). Only the diagonal is needed, so each value is one direct DFT sum.
 */
public final class FourierAnalysis {
    private FourierAnalysis() {}

    /**
     * One block's spectrum: {@code relativeLogAmplitude[k]} at frequency k/(n/2)·π, k = 0…n/2
     * (entry 0 is 0); {@code type} is the block's class (NCB, NTB, …) or "stage" when the model's
     * stages are not plain chains of its blocks.
     */
    public record Spectrum(String block, String type, int stage, int mapSize, double[] relativeLogAmplitude) {
        /** The drop at the highest frequency, the figure's headline number. */
        public double atHighest() {
            return relativeLogAmplitude[relativeLogAmplitude.length - 1];
        }
    }

    /** Spectra of every block output with at least a 2×2 map, for a batch of preprocessed images {@code x}. */
    public static List<Spectrum> run(VisionModel model, NDArray x) {
        List<Spectrum> out = new ArrayList<>();
        try (NDManager scope = x.getManager().newSubManager()) {
            x.tempAttach(scope);
            NDArray h = model.runStem(x);
            List<VisionModel.Block> blocks = blocksOrNull(model);
            for (int s = 0; s < model.numStages(); s++) {
                List<VisionModel.Block> inStage = new ArrayList<>();
                if (blocks != null) for (VisionModel.Block b : blocks) if (b.stage() == s) inStage.add(b);
                NDArray stageOut = model.runStage(s, h);
                NDArray chained = h;
                List<Spectrum> stageSpectra = new ArrayList<>();
                for (VisionModel.Block b : inStage) {
                    chained = b.module().forward(chained);
                    spectrum(b.name(), typeOf(b), s, chained).ifPresent(stageSpectra::add);
                }
                boolean chain = !inStage.isEmpty()
                        && chained.getShape().equals(stageOut.getShape())
                        && chained.sub(stageOut).abs().max().getFloat()
                                <= 1e-4f * Math.max(1f, stageOut.abs().max().getFloat());
                if (chain) out.addAll(stageSpectra);
                else spectrum("stage" + (s + 1), "stage", s, stageOut).ifPresent(out::add);
                h = stageOut;
            }
        }
        return out;
    }

    private static List<VisionModel.Block> blocksOrNull(VisionModel model) {
        try {
            return model.blocks();
        } catch (UnsupportedOperationException e) {
            return null;
        }
    }

    /** NCB and NTB by the paper's names; other families' blocks by their class names. */
    static String typeOf(VisionModel.Block b) {
        String n = b.module().getClass().getSimpleName();
        return switch (n) {
            case "NextConvBlock" -> "NCB";
            case "NextTransformerBlock" -> "NTB";
            default -> n;
        };
    }

    private static java.util.Optional<Spectrum> spectrum(String name, String type, int stage, NDArray map) {
        long[] s = map.getShape().getShape();
        if (s.length != 4 || s[2] < 2 || s[2] != s[3]) return java.util.Optional.empty();
        int n = (int) s[2];
        return java.util.Optional.of(
                new Spectrum(name, type, stage, n, relativeLogAmplitude(map.toFloatArray(), (int) (s[0] * s[1]), n)));
    }

    /**
     * For {@code maps} (m maps of n×n, row-major), the mean over maps of log|F(k, k)| minus that at k = 0,
     * k = 0…n/2, where F is the 2-D DFT; the mean (DC) is kept, as in the reference analysis.
     */
    static double[] relativeLogAmplitude(float[] maps, int m, int n) {
        int half = n / 2;
        double[] mean = new double[half + 1];
        for (int k = 0; k <= half; k++) {
            double[] cos = new double[2 * n], sin = new double[2 * n];
            for (int t = 0; t < 2 * n; t++) {
                double phase = -2 * Math.PI * k * t / n;
                cos[t] = Math.cos(phase);
                sin[t] = Math.sin(phase);
            }
            double sum = 0;
            for (int i = 0; i < m; i++) {
                double re = 0, im = 0;
                int base = i * n * n;
                for (int y = 0; y < n; y++) {
                    for (int xx = 0; xx < n; xx++) {
                        float v = maps[base + y * n + xx];
                        re += v * cos[y + xx];
                        im += v * sin[y + xx];
                    }
                }
                sum += Math.log(Math.hypot(re, im) + 1e-8);
            }
            mean[k] = sum / m;
        }
        double[] relative = new double[half + 1];
        for (int k = 0; k <= half; k++) relative[k] = mean[k] - mean[0];
        return relative;
    }
}
