package dev.hybridvit.profile;

import dev.hybridvit.weights.AtomicFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.internal.chartpart.Chart;

/** Pictures of a block profile, and the PNG writer other charts share (headless, written atomically). */
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
        CategoryChart chart = new CategoryChartBuilder()
                .width(Math.max(900, 28 * rs.size() + 200))
                .height(600)
                .title(String.format(
                        "%s at %dpx, batch %d, %s, %d threads: computational density per block",
                        p.model(), p.imageSize(), c.batch(), c.runtime(), c.effectiveThreads()))
                .xAxisTitle("block")
                .yAxisTitle("TeraFLOPS (2·MACs / latency)")
                .build();
        chart.getStyler().setOverlapped(true); // one series per type: bars of other types are 0 at each position
        chart.getStyler().setXAxisLabelRotation(90);
        List<String> names = rs.stream().map(BlockProfiler.Record::block).toList();
        for (String type : new LinkedHashSet<>(
                rs.stream().map(BlockProfiler.Record::blockType).toList())) {
            List<Double> y = rs.stream()
                    .map(r -> r.blockType().equals(type) ? r.tflops() : 0.0)
                    .toList();
            chart.addSeries(type, names, y);
        }
        write(List.of(chart), file);
    }

    /** Charts side by side in one PNG, written atomically. */
    public static void write(List<? extends Chart<?, ?>> charts, Path file) throws IOException {
        AtomicFiles.write(
                file, out -> BitmapEncoder.saveBitmap(charts, 1, charts.size(), out, BitmapEncoder.BitmapFormat.PNG));
    }
}
