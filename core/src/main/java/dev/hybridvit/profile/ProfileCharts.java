package dev.hybridvit.profile;

import dev.hybridvit.weights.AtomicFiles;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.internal.chartpart.Chart;

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

/** Pictures of the density metrics, and the PNG writer the benchmark chart shares (headless, written atomically). */
public final class ProfileCharts {
    static {
        System.setProperty("java.awt.headless", "true");
    }

    private ProfileCharts() {}

    /** {@code profile}: TeraFLOPS of every block, in forward order, one colour per block type. */
    public static void writeBlocksPng(BlockProfiler.Profile p, Path file) throws IOException {
        List<BlockProfiler.Record> rs = p.blocks();
        if (rs.isEmpty()) throw new IllegalArgumentException("nothing to plot");
        BlockProfiler.Config c = p.config();
        CategoryChart chart = new CategoryChartBuilder().width(Math.max(900, 28 * rs.size() + 200)).height(600)
                .title(String.format("%s at %dpx, batch %d, %s, %d threads: computational density per block", p.model(),
                        p.imageSize(), c.batch(), c.runtime(), c.effectiveThreads()))
                .xAxisTitle("block").yAxisTitle("TeraFLOPS (2·MACs / latency)").build();
        chart.getStyler().setOverlapped(true); // one series per type: bars of other types are 0 at each position
        chart.getStyler().setXAxisLabelRotation(90);
        List<String> names = rs.stream().map(BlockProfiler.Record::block).toList();
        for (String type : new LinkedHashSet<>(rs.stream().map(BlockProfiler.Record::blockType).toList())) {
            List<Double> y = rs.stream().map(r -> r.blockType().equals(type) ? r.tflops() : 0.0).toList();
            chart.addSeries(type, names, y);
        }
        write(List.of(chart), file);
    }

    /**
     * {@code density}: grouped bars per feature-map size, one bar per block type; TeraFLOPS on the
     * left, TeraParams on the right (the two halves of TRT-ViT's Table 1).
     */
    public static void writeDensityPng(List<BlockProfiler.Record> rs, Path file) throws IOException {
        if (rs.isEmpty()) throw new IllegalArgumentException("nothing to plot");
        BlockProfiler.Record first = rs.get(0);
        String conditions = String.format("batch %d, %s, %d threads", first.batch(), first.runtime(), first.threads());
        write(List.of(grouped(rs, "Computational density (" + conditions + ")", "TeraFLOPS", BlockProfiler.Record::tflops),
                grouped(rs, "Parameter density (" + conditions + ")", "TeraParams / s", BlockProfiler.Record::tparamsPerS)), file);
    }

    private static CategoryChart grouped(List<BlockProfiler.Record> rs, String title, String yTitle,
                                         ToDoubleFunction<BlockProfiler.Record> value) {
        Function<BlockProfiler.Record, String> group = r -> {
            List<Long> s = r.inputShape();
            return s.get(2) + "×" + s.get(3) + ", C=" + s.get(1);
        };
        Set<String> groups = new LinkedHashSet<>(rs.stream().map(group).toList());
        Map<String, Map<String, Double>> byType = new LinkedHashMap<>();
        for (BlockProfiler.Record r : rs) byType.computeIfAbsent(r.blockType(), k -> new LinkedHashMap<>()).put(group.apply(r), value.applyAsDouble(r));
        CategoryChart chart = new CategoryChartBuilder().width(800).height(550).title(title)
                .xAxisTitle("feature map").yAxisTitle(yTitle).build();
        List<String> x = new ArrayList<>(groups);
        byType.forEach((type, v) -> chart.addSeries(type, x, x.stream().map(g -> v.getOrDefault(g, 0.0)).toList()));
        return chart;
    }

    /** Charts side by side in one PNG, written atomically. */
    static void write(List<? extends Chart<?, ?>> charts, Path file) throws IOException {
        AtomicFiles.write(file, out -> BitmapEncoder.saveBitmap(charts, 1, charts.size(), out, BitmapEncoder.BitmapFormat.PNG));
    }
}
