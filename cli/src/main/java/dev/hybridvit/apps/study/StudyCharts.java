package dev.hybridvit.apps.study;

import dev.hybridvit.weights.AtomicFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * A study's pictures: bars per variant (latency, and accuracy when trained) and, when trained, the
 * accuracy–latency plane with its Pareto front (the papers' Figure 1).
 */
final class StudyCharts {
    static final String BARS = "bars.png", PARETO = "pareto.png";

    private StudyCharts() {}

    /** Writes the charts into {@code dir}; returns their file names. */
    static List<String> write(Study study, List<StudyRunner.Row> rows, Path dir) throws IOException {
        System.setProperty("java.awt.headless", "true");
        List<String> labels = rows.stream().map(StudyRunner.Row::label).toList();
        boolean trained = rows.stream().allMatch(r -> Double.isFinite(r.top1()));
        List<Chart<?, ?>> bars = new ArrayList<>();
        bars.add(bar(
                study.title(),
                "ORT latency, best round (ms)",
                labels,
                rows.stream().map(StudyRunner.Row::latencyBest).toList()));
        if (trained)
            bars.add(bar(
                    study.title(),
                    "top-1 (%)",
                    labels,
                    rows.stream().map(r -> 100 * r.top1()).toList()));
        AtomicFiles.write(
                dir.resolve(BARS),
                out -> BitmapEncoder.saveBitmap(bars, 1, bars.size(), out, BitmapEncoder.BitmapFormat.PNG));
        if (!trained) return List.of(BARS);
        XYChart plane = new XYChartBuilder()
                .width(640)
                .height(460)
                .title(study.title())
                .xAxisTitle("ORT latency, best round (ms), batch 1")
                .yAxisTitle("top-1 (%)")
                .build();
        plane.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        plane.getStyler().setMarkerSize(9);
        for (StudyRunner.Row r : rows) {
            plane.addSeries(r.label(), new double[] {r.latencyBest()}, new double[] {100 * r.top1()})
                    .setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        }
        List<StudyRunner.Row> front = paretoFront(rows);
        plane.addSeries(
                        "Pareto front",
                        front.stream().mapToDouble(StudyRunner.Row::latencyBest).toArray(),
                        front.stream().mapToDouble(r -> 100 * r.top1()).toArray())
                .setMarker(SeriesMarkers.NONE);
        AtomicFiles.write(
                dir.resolve(PARETO), out -> BitmapEncoder.saveBitmap(plane, out, BitmapEncoder.BitmapFormat.PNG));
        return List.of(PARETO, BARS);
    }

    /** The variants no other beats on both latency and accuracy, by increasing latency. */
    static List<StudyRunner.Row> paretoFront(List<StudyRunner.Row> rows) {
        List<StudyRunner.Row> sorted = new ArrayList<>(rows);
        sorted.sort(Comparator.comparingDouble(StudyRunner.Row::latencyBest)
                .thenComparing(Comparator.comparingDouble(StudyRunner.Row::top1).reversed()));
        List<StudyRunner.Row> front = new ArrayList<>();
        double best = Double.NEGATIVE_INFINITY;
        for (StudyRunner.Row r : sorted) {
            if (r.top1() > best) {
                front.add(r);
                best = r.top1();
            }
        }
        return front;
    }

    private static CategoryChart bar(String title, String y, List<String> labels, List<Double> values) {
        CategoryChart c = new CategoryChartBuilder()
                .width(560)
                .height(420)
                .title(title)
                .yAxisTitle(y)
                .build();
        c.getStyler().setLegendVisible(false);
        c.getStyler().setLabelsVisible(true);
        c.getStyler().setDecimalPattern("0.###");
        c.addSeries(y, labels, values);
        return c;
    }
}
