package dev.hybridvit.profile;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The benchmark's picture: median latency against parameter count, one line per family and runtime (headless PNG). */
public final class BenchmarkChart {
    private BenchmarkChart() {}

    public static void writePng(List<Benchmark.Record> records, Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        if (records.isEmpty()) throw new IllegalArgumentException("nothing to plot");
        int batch = records.stream().mapToInt(Benchmark.Record::batch).min().orElse(1);
        Benchmark.Record first = records.get(0);
        XYChart chart = new XYChartBuilder()
                .width(900)
                .height(600)
                .title(String.format(
                        "Latency vs parameters, batch %d, %s, %d threads — %s",
                        batch,
                        String.join(
                                " and ",
                                records.stream()
                                        .map(Benchmark.Record::precision)
                                        .distinct()
                                        .toList()),
                        first.threads(),
                        first.machine().cpu()))
                .xAxisTitle("parameters (M)")
                .yAxisTitle("median latency (ms)")
                .build();
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setMarkerSize(8);
        Map<String, List<Benchmark.Record>> series = new LinkedHashMap<>();
        for (Benchmark.Record r : records) {
            if (r.batch() == batch)
                series.computeIfAbsent(r.family() + " / " + r.runtime(), k -> new ArrayList<>())
                        .add(r);
        }
        for (Map.Entry<String, List<Benchmark.Record>> e : series.entrySet()) {
            List<Benchmark.Record> rs = new ArrayList<>(e.getValue());
            rs.sort(Comparator.comparingLong(Benchmark.Record::params));
            double[] x = rs.stream().mapToDouble(r -> r.params() / 1e6).toArray();
            double[] y =
                    rs.stream().mapToDouble(Benchmark.Record::latencyMsMedian).toArray();
            XYSeries s = chart.addSeries(e.getKey(), x, y);
            s.setMarker(
                    e.getKey().endsWith(Benchmark.PYTORCH_REIMPL)
                            ? SeriesMarkers.DIAMOND
                            : e.getKey().endsWith("onnx") ? SeriesMarkers.CIRCLE : SeriesMarkers.SQUARE);
        }
        ProfileCharts.write(List.of(chart), file);
    }
}
