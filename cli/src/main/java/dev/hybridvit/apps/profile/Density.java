package dev.hybridvit.apps.profile;

import ai.djl.ndarray.NDManager;
import dev.hybridvit.models.trtvit.TRTViT;
import dev.hybridvit.models.trtvit.TRTViTConfig;
import dev.hybridvit.models.trtvit.TRTViTConfig.Kind;
import dev.hybridvit.nn.Module;
import dev.hybridvit.profile.BlockProfiler;
import dev.hybridvit.tensor.Tensors;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.ToDoubleFunction;

/**
 * TRT-ViT's Table 1 (Xia et al., arXiv 2205.09579, §3.1) on this machine: the computational
 * density (TeraFLOPS) and parameter density (TeraParams) of a BottleNeck and a Transformer block —
 * plus MixBlock-A/B/C — at the four feature-map sizes of a classification backbone, each block
 * timed alone by {@link BlockProfiler#measure}.
 *
 * <p>Set-up (choices, since the paper does not give the exact block configurations of its Table 1):
 * <ul>
 *   <li>sizes 56/28/14/7 (stages 1–4 of a 224 input) with ResNet-50's stage widths
 *       256/512/1024/2048 for <em>every</em> block type, so the blocks compare at equal width, as in
 *       MixNetV where Transformers replace BottleNecks of these widths;</li>
 *   <li>each block keeps its width and resolution (in = out, stride 1): a stage's repeated block;</li>
 *   <li>the blocks of {@code models/trtvit}: BottleNeck with expansion 4; Transformer with head dim 32,
 *       MLP ratio 3 and PVT's K/V reduction 8/4/2/1 at the four sizes
 *       ({@link TRTViTConfig#PVT_SR_RATIOS}; without it attention at 56×56 is quadratic in 3136
 *       tokens); MixBlocks with R = 0.5.</li>
 * </ul>
 */
public final class Density {
    public static final List<Integer> SIZES = List.of(56, 28, 14, 7), WIDTHS = List.of(256, 512, 1024, 2048);
    /** R of the MixBlocks (the paper's final value). */
    public static final double R = 0.5;

    private Density() {}

    /** Feature-map sizes and widths, one pair per stage (at most four: stage i uses the K/V reduction of stage i). */
    public record Config(List<Integer> sizes, List<Integer> widths, BlockProfiler.Config timing) {
        public Config {
            sizes = List.copyOf(sizes);
            widths = List.copyOf(widths);
            if (sizes.isEmpty() || sizes.size() > 4 || sizes.size() != widths.size()) {
                throw new IllegalArgumentException(
                        "give 1 to 4 sizes and as many widths, got " + sizes + " and " + widths);
            }
            for (int i = 0; i < sizes.size(); i++) {
                int sr = TRTViTConfig.PVT_SR_RATIOS[i];
                if (sizes.get(i) < sr) {
                    throw new IllegalArgumentException("size " + sizes.get(i) + " of stage " + (i + 1)
                            + " is smaller than its K/V reduction window " + sr + "x" + sr);
                }
                if (widths.get(i) < 64 || widths.get(i) % 64 != 0) {
                    throw new IllegalArgumentException("width " + widths.get(i) + " must be a positive multiple of 64 "
                            + "(a MixBlock's Transformer half R·C must be a multiple of the head dim 32)");
                }
            }
        }

        public static Config table1(BlockProfiler.Config timing) {
            return new Config(SIZES, WIDTHS, timing);
        }
    }

    /**
     * Every block kind at every size; one line per measured block goes to {@code log}. Records:
     * model {@code density}, stage {@code stage1…4} (the size's position), block e.g.
     * {@code BottleNeck@56x56}, block type the kind's label ({@code BottleNeck}, {@code Transformer},
     * {@code MixBlock-A} …).
     */
    public static List<BlockProfiler.Record> run(Config c, Consumer<String> log) {
        BlockProfiler.Config t = c.timing();
        if (t.runtime().equals("torch")) Tensors.setThreads(t.effectiveThreads());
        List<BlockProfiler.Record> out = new ArrayList<>();
        for (int i = 0; i < c.sizes().size(); i++) {
            int size = c.sizes().get(i), width = c.widths().get(i), sr = TRTViTConfig.PVT_SR_RATIOS[i];
            for (Kind kind : Kind.values()) {
                Module block = TRTViT.block(kind, width, width, 1, R, sr, 0);
                try (NDManager m = Tensors.newManager()) {
                    Tensors.seed(i);
                    block.materialize(m);
                    String name = kind.label + "@" + size + "x" + size;
                    BlockProfiler.Site s = BlockProfiler.site(
                            "stage" + (i + 1), name, kind.label, block, new long[] {t.batch(), width, size, size}, m);
                    BlockProfiler.Record r = BlockProfiler.measure("density", s, m, t);
                    out.add(r);
                    log.accept(String.format(
                            Locale.ROOT,
                            "%-22s C=%-5d %9.3f ms %8.4f TFLOPS %10.6f TParams/s",
                            name,
                            width,
                            r.latencyMsMedian(),
                            r.tflops(),
                            r.tparamsPerS()));
                }
            }
        }
        return out;
    }

    /** All records, then TeraFLOPS and TeraParams side by side per size (the layout of the paper's table). */
    public static String render(List<BlockProfiler.Record> rs) {
        if (rs.isEmpty()) return "(no density records)\n";
        BlockProfiler.Record first = rs.get(0);
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(
                Locale.ROOT,
                "TRT-ViT Table 1 on this machine: %s, batch %d, %d threads; each block timed alone%n%n",
                first.runtime().equals("onnx") ? "ONNX Runtime" : "libtorch eager",
                first.batch(),
                first.threads()));
        sb.append(String.format(
                Locale.ROOT,
                "%-8s %5s  %-12s %12s %9s %10s %8s %10s%n",
                "map",
                "C",
                "block",
                "params",
                "GMACs",
                "ms",
                "TFLOPS",
                "TParams/s"));
        for (BlockProfiler.Record r : rs) {
            sb.append(String.format(
                    Locale.ROOT,
                    "%-8s %5d  %-12s %,12d %9.4f %10.3f %8.4f %10.6f%n",
                    map(r),
                    r.inputShape().get(1),
                    r.blockType(),
                    r.params(),
                    r.macs() / 1e9,
                    r.latencyMsMedian(),
                    r.tflops(),
                    r.tparamsPerS()));
        }
        pivot(sb, rs, "TeraFLOPS", BlockProfiler.Record::tflops, "%12.4f");
        pivot(sb, rs, "TeraParams / s", BlockProfiler.Record::tparamsPerS, "%12.6f");
        return sb.toString();
    }

    private static void pivot(
            StringBuilder sb,
            List<BlockProfiler.Record> rs,
            String title,
            ToDoubleFunction<BlockProfiler.Record> v,
            String cell) {
        List<String> types = new ArrayList<>(new LinkedHashSet<>(
                rs.stream().map(BlockProfiler.Record::blockType).toList()));
        List<String> maps = new ArrayList<>(
                new LinkedHashSet<>(rs.stream().map(Density::map).toList()));
        sb.append(String.format(Locale.ROOT, "%n%-16s", title));
        types.forEach(t -> sb.append(String.format(Locale.ROOT, "%12s", t)));
        sb.append('\n');
        for (String m : maps) {
            sb.append(String.format(Locale.ROOT, "%-16s", m));
            for (String t : types) {
                rs.stream()
                        .filter(r -> map(r).equals(m) && r.blockType().equals(t))
                        .findFirst()
                        .ifPresentOrElse(
                                r -> sb.append(String.format(Locale.ROOT, cell, v.applyAsDouble(r))),
                                () -> sb.append(String.format(Locale.ROOT, "%12s", "-")));
            }
            sb.append('\n');
        }
    }

    private static String map(BlockProfiler.Record r) {
        return r.inputShape().get(2) + "x" + r.inputShape().get(3);
    }
}
