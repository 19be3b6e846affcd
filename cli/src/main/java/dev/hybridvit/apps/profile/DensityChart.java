package dev.hybridvit.apps.profile;

import dev.hybridvit.profile.BlockProfiler;
import dev.hybridvit.profile.ProfileCharts;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;

/** The picture of TRT-ViT's Table 1 ({@link Density}): the two density metrics per block type and feature-map size. */
public final class DensityChart {
    private DensityChart() {}

    /**
     * Grouped bars per feature-map size, one bar per block type; TeraFLOPS on the left, TeraParams
     * on the right (the two halves of the paper's table).
     */
    public static void writePng(List<BlockProfiler.Record> rs, Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        if (rs.isEmpty()) throw new IllegalArgumentException("nothing to plot");
        BlockProfiler.Record first = rs.get(0);
        String conditions = String.format("batch %d, %s, %d threads", first.batch(), first.runtime(), first.threads());
        ProfileCharts.write(
                List.of(
                        grouped(
                                rs,
                                "Computational density (" + conditions + ")",
                                "TeraFLOPS",
                                BlockProfiler.Record::tflops),
                        grouped(
                                rs,
                                "Parameter density (" + conditions + ")",
                                "TeraParams / s",
                                BlockProfiler.Record::tparamsPerS)),
                file);
    }

    private static CategoryChart grouped(
            List<BlockProfiler.Record> rs, String title, String yTitle, ToDoubleFunction<BlockProfiler.Record> value) {
        Function<BlockProfiler.Record, String> group = r -> {
            List<Long> s = r.inputShape();
            return s.get(2) + "×" + s.get(3) + ", C=" + s.get(1);
        };
        Set<String> groups = new LinkedHashSet<>(rs.stream().map(group).toList());
        Map<String, Map<String, Double>> byType = new LinkedHashMap<>();
        for (BlockProfiler.Record r : rs)
            byType.computeIfAbsent(r.blockType(), k -> new LinkedHashMap<>())
                    .put(group.apply(r), value.applyAsDouble(r));
        CategoryChart chart = new CategoryChartBuilder()
                .width(800)
                .height(550)
                .title(title)
                .xAxisTitle("feature map")
                .yAxisTitle(yTitle)
                .build();
        List<String> x = new ArrayList<>(groups);
        byType.forEach((type, v) -> chart.addSeries(
                type, x, x.stream().map(g -> v.getOrDefault(g, 0.0)).toList()));
        return chart;
    }
}
