package dev.hybridvit.train;

import dev.hybridvit.weights.AtomicFiles;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** Training pictures as headless PNGs, written atomically: loss/accuracy curves and the confusion matrix. */
public final class Charts {
    private Charts() {}

    /**
     * {@code curves.png}: train and validation loss (left), train and validation top-1 and the
     * EMA's top-1 if any (right), per epoch. Epochs without a value (e.g. validation loss in a
     * checkpoint from before it was recorded) are left out of that line.
     */
    public static void curves(List<TrainingRun.EpochRecord> history, Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYChart loss = axes("Loss", "cross entropy", Styler.LegendPosition.InsideNE);
        add(loss, "train (smoothed / mixed targets)", history, TrainingRun.EpochRecord::trainLoss);
        add(loss, "validation", history, TrainingRun.EpochRecord::valLoss);
        XYChart acc = axes("Top-1 accuracy", "top-1", Styler.LegendPosition.InsideSE);
        add(acc, "train", history, TrainingRun.EpochRecord::trainAccuracy);
        add(acc, "validation", history, TrainingRun.EpochRecord::valTop1);
        add(acc, "validation (EMA)", history, TrainingRun.EpochRecord::valTop1Ema);
        AtomicFiles.write(
                file, out -> BitmapEncoder.saveBitmap(List.of(loss, acc), 1, 2, out, BitmapEncoder.BitmapFormat.PNG));
    }

    private static XYChart axes(String title, String y, Styler.LegendPosition legend) {
        XYChart c = new XYChartBuilder()
                .width(600)
                .height(420)
                .title(title)
                .xAxisTitle("epoch")
                .yAxisTitle(y)
                .build();
        c.getStyler().setLegendPosition(legend);
        c.getStyler().setMarkerSize(6);
        c.getStyler().setXAxisDecimalPattern("0");
        return c;
    }

    private static void add(
            XYChart chart,
            String name,
            List<TrainingRun.EpochRecord> history,
            ToDoubleFunction<TrainingRun.EpochRecord> value) {
        List<Integer> x = new ArrayList<>();
        List<Double> y = new ArrayList<>();
        for (TrainingRun.EpochRecord r : history) {
            double v = value.applyAsDouble(r);
            if (Double.isFinite(v)) {
                x.add(r.epoch());
                y.add(v);
            }
        }
        if (!x.isEmpty()) chart.addSeries(name, x, y).setMarker(SeriesMarkers.CIRCLE);
    }

    /**
     * {@code confusion.png}: a K×K heat map, rows the true class (first at the top), columns the
     * predicted class, each cell with its count.
     */
    public static void confusion(long[][] matrix, List<String> classNames, Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        int k = matrix.length;
        if (classNames.size() != k)
            throw new IllegalArgumentException(k + " rows but " + classNames.size() + " class names");
        long total = 0, right = 0;
        List<Number[]> cells = new ArrayList<>();
        long max = 1;
        for (int t = 0; t < k; t++) {
            for (int p = 0; p < k; p++) {
                cells.add(new Number[] {p, k - 1 - t, matrix[t][p]}); // y counts from the bottom
                total += matrix[t][p];
                max = Math.max(max, matrix[t][p]);
            }
            right += matrix[t][t];
        }
        int size = Math.max(520, 60 * k + 220);
        HeatMapChart chart = new HeatMapChartBuilder()
                .width(size)
                .height(size - 60)
                .title(String.format(
                        java.util.Locale.ROOT,
                        "Confusion matrix: %d images, top-1 %.2f%%",
                        total,
                        total == 0 ? 0 : 100.0 * right / total))
                .xAxisTitle("predicted")
                .yAxisTitle("true")
                .build();
        chart.getStyler().setShowValue(true);
        chart.getStyler().setHeatMapDecimalValueFormatter(v -> String.valueOf(Math.round(v)));
        chart.getStyler()
                .setRangeColors(new Color[] {Color.WHITE, new Color(0x9E, 0xCA, 0xE1), new Color(0x31, 0x82, 0xBD)});
        chart.getStyler().setXAxisLabelRotation(45);
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setMin(0);
        chart.getStyler().setMax(max);
        List<String> rowsBottomUp = new ArrayList<>(classNames);
        java.util.Collections.reverse(rowsBottomUp);
        chart.addSeries("confusion", classNames, rowsBottomUp, cells);
        AtomicFiles.write(file, out -> BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG));
    }

    /** Per-class IoU of a segmentation model as bars (classes absent from labels and predictions left out). */
    public static void classIoU(SegmentationMetrics.Result r, List<String> classNames, String title, Path file)
            throws IOException {
        System.setProperty("java.awt.headless", "true");
        List<String> names = new ArrayList<>();
        List<Double> iou = new ArrayList<>();
        for (int c = 0; c < classNames.size(); c++) {
            if (Double.isNaN(r.iou().get(c))) continue;
            names.add(classNames.get(c));
            iou.add(100 * r.iou().get(c));
        }
        org.knowm.xchart.CategoryChart chart = new org.knowm.xchart.CategoryChartBuilder()
                .width(Math.max(700, 60 * names.size() + 200))
                .height(480)
                .title(String.format(java.util.Locale.ROOT, "%s: mIoU %.2f%%", title, 100 * r.mIoU()))
                .xAxisTitle("class")
                .yAxisTitle("IoU (%)")
                .build();
        chart.getStyler().setXAxisLabelRotation(45);
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisMax(100.0);
        chart.addSeries("IoU", names, iou);
        AtomicFiles.write(file, out -> BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG));
    }
}
