package dev.hybridvit.apps.analysis;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.hybridvit.data.Preprocessing;
import dev.hybridvit.models.ModelOptions;
import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.ModelSpec;
import dev.hybridvit.models.VisionModel;
import dev.hybridvit.tensor.Tensors;
import dev.hybridvit.weights.AtomicFiles;
import dev.hybridvit.weights.Checkpoint;
import dev.hybridvit.weights.WeightsLoader;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.Marker;

/**
 * {@code analyze}: the Fourier analysis of every block's output (Next-ViT Figure 5) over a set of
 * images, a Grad-CAM overlay per image and, for a query position, the E-MHSA / LMHSA attention
 * maps ({@link AttentionMaps}); writes {@code fourier.png}, {@code fourier.json},
 * {@code gradcam-NAME.png} and {@code attention-NAME-BLOCK.png}.
 */
public final class Analysis {
    public static final String FOURIER_PNG = "fourier.png", FOURIER_JSON = "fourier.json";
    private static final int OVERLAY_SIDE = 256;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Analysis() {}

    public record Result(
            List<FourierAnalysis.Spectrum> spectra,
            List<GradCam.Map> cams,
            List<AttentionMaps.Map> attention,
            List<Path> files) {}

    /**
     * @param model   a registered model name; its weights' state dict must match it
     * @param weights a checkpoint (its class count and size are used) or other weights (1000 classes, native size)
     * @param label   class to explain in Grad-CAM, -1 for each image's predicted class
     * @param query   the attention maps' query (column, row) in input pixels, or null for none
     */
    public static Result run(String model, Path weights, List<Path> images, int label, int[] query, Path out)
            throws IOException {
        ModelSpec spec = ModelRegistry.get(model);
        if (images.isEmpty()) throw new IllegalArgumentException("name at least one IMAGE to analyse");
        for (Path p : images) if (!Files.isRegularFile(p)) throw new java.nio.file.NoSuchFileException(p.toString());
        Optional<Checkpoint.Info> info = Checkpoint.info(weights);
        ModelOptions options = info.map(Checkpoint.Info::options).orElse(ModelOptions.defaults());
        Files.createDirectories(out);
        try (VisionModel m = spec.create(options, 0)) {
            WeightsLoader.load(m, weights, WeightsLoader.Options.STRICT);
            Preprocessing pre = Preprocessing.of(
                    spec, m.imageSize(), info.map(Checkpoint.Info::extra).orElse(Map.of()));
            int size = pre.size();
            if (query != null) checkQuery(m, query, size); // before any image is read or analysed
            List<float[]> inputs = new ArrayList<>();
            for (Path p : images) inputs.add(pre.apply(p));
            float[] batch = new float[inputs.size() * 3 * size * size];
            for (int i = 0; i < inputs.size(); i++)
                System.arraycopy(inputs.get(i), 0, batch, i * 3 * size * size, 3 * size * size);
            List<Path> files = new ArrayList<>();
            List<FourierAnalysis.Spectrum> spectra;
            try (NDArray x = Tensors.fromFloats(m.manager(), batch, inputs.size(), 3, size, size)) {
                spectra = FourierAnalysis.run(m, x);
            }
            List<GradCam.Map> cams = new ArrayList<>();
            List<AttentionMaps.Map> attention = new ArrayList<>();
            for (int i = 0; i < images.size(); i++) {
                try (NDArray x = Tensors.fromFloats(m.manager(), inputs.get(i), 1, 3, size, size)) {
                    GradCam.Map cam = GradCam.run(m, x, label);
                    cams.add(cam);
                    String name = images.get(i).getFileName().toString().replaceAll("\\.[^.]*$", "");
                    Path f = out.resolve("gradcam-" + name + ".png");
                    byte[] image = Files.readAllBytes(images.get(i));
                    BufferedImage overlay = overlay(image, cam.side(), cam.values(), null);
                    AtomicFiles.write(f, o -> ImageIO.write(overlay, "png", o));
                    files.add(f);
                    if (query == null) continue;
                    for (AttentionMaps.Map a : AttentionMaps.run(m, x, query[0], query[1])) {
                        attention.add(a);
                        Path af = out.resolve(
                                "attention-" + name + "-" + a.block().replace('.', '_') + ".png");
                        BufferedImage ao =
                                overlay(image, a.side(), a.values(), new int[] {a.queryColumn(), a.queryRow()});
                        AtomicFiles.write(af, o -> ImageIO.write(ao, "png", o));
                        files.add(af);
                    }
                }
            }
            writeFourier(model, spectra, images.size(), out);
            files.add(out.resolve(FOURIER_PNG));
            files.add(out.resolve(FOURIER_JSON));
            return new Result(spectra, cams, attention, files);
        }
    }

    private static void writeFourier(String model, List<FourierAnalysis.Spectrum> spectra, int images, Path out)
            throws IOException {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("model", model);
        json.put("images", images);
        json.put(
                "definition",
                "mean over channels and images of log|DFT| along the diagonal, frequency k/(n/2)·π,"
                        + " minus its value at frequency 0");
        json.put("blocks", spectra);
        byte[] bytes = JSON.writeValueAsBytes(json);
        AtomicFiles.write(out.resolve(FOURIER_JSON), o -> o.write(bytes));

        System.setProperty("java.awt.headless", "true");
        XYChart depth = new XYChartBuilder()
                .width(620)
                .height(440)
                .title(model + ": high-frequency amplitude by depth")
                .xAxisTitle("block")
                .yAxisTitle("Δ log amplitude at π")
                .build();
        depth.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        depth.getStyler().setMarkerSize(9);
        Map<String, List<double[]>> byType = new TreeMap<>();
        for (int i = 0; i < spectra.size(); i++)
            byType.computeIfAbsent(spectra.get(i).type(), t -> new ArrayList<>())
                    .add(new double[] {i + 1, spectra.get(i).atHighest()});
        // a block type keeps one colour in both panels; on the left the marker tells the map size
        Color[] palette = depth.getStyler().getSeriesColors();
        Map<String, Color> colourOf = new LinkedHashMap<>();
        byType.keySet().forEach(t -> colourOf.put(t, palette[colourOf.size() % palette.length]));
        byType.forEach((type, pts) -> depth.addSeries(
                        type,
                        pts.stream().mapToDouble(p -> p[0]).toArray(),
                        pts.stream().mapToDouble(p -> p[1]).toArray())
                .setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter)
                .setMarkerColor(colourOf.get(type)));
        XYChart curves = new XYChartBuilder()
                .width(620)
                .height(440)
                .title("relative log amplitude by block type")
                .xAxisTitle("frequency (× π)")
                .yAxisTitle("Δ log amplitude")
                .build();
        curves.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        // one curve per block type and map size: types compared on maps of the same size
        Map<String, List<double[]>> groups = new TreeMap<>();
        Map<String, FourierAnalysis.Spectrum> firstOf = new TreeMap<>();
        for (FourierAnalysis.Spectrum s : spectra) {
            String group = s.type() + " " + s.mapSize() + "×" + s.mapSize();
            groups.computeIfAbsent(group, t -> new ArrayList<>()).add(s.relativeLogAmplitude());
            firstOf.putIfAbsent(group, s);
        }
        List<Integer> sizes = spectra.stream()
                .map(FourierAnalysis.Spectrum::mapSize)
                .distinct()
                .sorted()
                .toList();
        Marker[] markers = curves.getStyler().getSeriesMarkers();
        groups.forEach((group, curvesOfGroup) -> {
            int len = curvesOfGroup.get(0).length;
            double[] freq = new double[len], mean = new double[len];
            for (int k = 0; k < len; k++) {
                freq[k] = (double) k / (len - 1);
                for (double[] c : curvesOfGroup) mean[k] += c[k] / curvesOfGroup.size();
            }
            FourierAnalysis.Spectrum first = firstOf.get(group);
            Color colour = colourOf.get(first.type());
            XYSeries series = curves.addSeries(group + " (" + curvesOfGroup.size() + ")", freq, mean);
            series.setLineColor(colour);
            series.setMarkerColor(colour);
            series.setMarker(markers[sizes.indexOf(first.mapSize()) % markers.length]);
        });
        AtomicFiles.write(
                out.resolve(FOURIER_PNG),
                o -> BitmapEncoder.saveBitmap(List.of(curves, depth), 1, 2, o, BitmapEncoder.BitmapFormat.PNG));
    }

    private static void checkQuery(VisionModel m, int[] query, int size) {
        if (query.length != 2 || query[0] < 0 || query[1] < 0 || query[0] >= size || query[1] >= size)
            throw new IllegalArgumentException(
                    "--query must be x,y with 0 ≤ x, y < " + size + " (the model's input pixels)");
        if (!AttentionMaps.applies(m))
            throw new IllegalArgumentException("--query: " + m.spec().name()
                    + " has no E-MHSA or LMHSA blocks; attention maps need a Next-ViT or CMT model");
    }

    /**
     * The image scaled to {@value #OVERLAY_SIDE} px with a side×side heat map (bilinear, jet-like
     * colours) blended at half opacity; {@code mark}: a cell (column, row) outlined in white, or null.
     */
    static BufferedImage overlay(byte[] imageBytes, int side, float[] values, int[] mark) throws IOException {
        BufferedImage src = ImageIO.read(new java.io.ByteArrayInputStream(imageBytes));
        if (src == null) throw new IOException("not a readable image");
        BufferedImage heat = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < side; y++)
            for (int x = 0; x < side; x++)
                heat.setRGB(x, y, jet(values[y * side + x]).getRGB());
        BufferedImage out = new BufferedImage(OVERLAY_SIDE, OVERLAY_SIDE, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(src, 0, 0, OVERLAY_SIDE, OVERLAY_SIDE, null);
        g.setComposite(java.awt.AlphaComposite.getInstance(java.awt.AlphaComposite.SRC_OVER, 0.5f));
        g.drawImage(heat, 0, 0, OVERLAY_SIDE, OVERLAY_SIDE, null);
        if (mark != null) {
            int cell = OVERLAY_SIDE / side;
            g.setComposite(java.awt.AlphaComposite.SrcOver);
            g.setColor(Color.WHITE);
            g.setStroke(new java.awt.BasicStroke(2f));
            g.drawRect(
                    mark[0] * OVERLAY_SIDE / side, mark[1] * OVERLAY_SIDE / side, Math.max(2, cell), Math.max(2, cell));
        }
        g.dispose();
        return out;
    }

    private static Color jet(float v) {
        float t = Math.max(0, Math.min(1, v));
        float r = Math.max(0, Math.min(1, 1.5f - Math.abs(4 * t - 3)));
        float gr = Math.max(0, Math.min(1, 1.5f - Math.abs(4 * t - 2)));
        float b = Math.max(0, Math.min(1, 1.5f - Math.abs(4 * t - 1)));
        return new Color(r, gr, b);
    }
}
