package dev.hybridvit.export;

import dev.hybridvit.data.Preprocessing;
import dev.hybridvit.weights.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The files DJL's {@code ImageClassificationTranslatorFactory} reads from a model directory, so an
 * export loads in DJL as it is ({@code Criteria.builder().setTypes(Image.class,
 * Classifications.class).optModelPath(dir)} on DJL's OnnxRuntime engine): {@code serving.properties}
 * (engine, model file, shorter-side resize, centre crop, normalisation, softmax) and
 * {@code synset.txt} (the class names, one a line). DJL resamples with its engine's interpolation,
 * which does not antialias when it shrinks as PIL does, so its input differs slightly from
 * {@link Preprocessing}'s.
 */
public final class DjlServing {
    public static final String PROPERTIES = "serving.properties", SYNSET = "synset.txt";

    private DjlServing() {}

    /**
     * Writes both files beside {@code onnx} (each atomically) from the export's metadata
     * ({@link Exporter.Result#metadata()}); returns their paths. DJL reads one manifest per
     * directory, so each export that DJL should load needs a directory of its own.
     */
    public static List<Path> write(Path onnx, Map<String, String> metadata) throws IOException {
        Path dir = onnx.toAbsolutePath().getParent();
        Path properties = dir.resolve(PROPERTIES), synset = dir.resolve(SYNSET);
        String text = properties(onnx, Preprocessing.fromMetadata(metadata, onnx.toString()));
        List<String> names = Exporter.classNames(metadata);
        if (names.isEmpty()) names = indices(Integer.parseInt(metadata.getOrDefault("num_classes", "0")));
        String lines = String.join("\n", names) + "\n";
        AtomicFiles.write(synset, out -> out.write(lines.getBytes(StandardCharsets.UTF_8)));
        AtomicFiles.write(properties, out -> out.write(text.getBytes(StandardCharsets.ISO_8859_1)));
        return List.of(properties, synset);
    }

    /** The manifest: resize the shorter side to {@code floor(size / crop_pct)}, crop, normalise, softmax. */
    static String properties(Path onnx, Preprocessing p) {
        String file = onnx.getFileName().toString();
        String stem = file.endsWith(".onnx") ? file.substring(0, file.length() - 5) : file;
        float[] m = p.mean(), s = p.std();
        return String.join(
                "\n",
                "# Read by DJL (ai.djl): Criteria.optModelPath(<this directory>) with the OnnxRuntime engine",
                "engine=OnnxRuntime",
                "option.modelName=" + stem,
                "translatorFactory=ai.djl.modality.cv.translator.ImageClassificationTranslatorFactory",
                "width=" + p.size(),
                "height=" + p.size(),
                "resizeShort=" + (int) Math.floor(p.size() / p.cropPct()) + ",-1,"
                        + (p.bicubic() ? "BICUBIC" : "BILINEAR"),
                "centerCrop=true",
                String.format(Locale.ROOT, "normalize=%s,%s,%s,%s,%s,%s", m[0], m[1], m[2], s[0], s[1], s[2]),
                "applySoftmax=true",
                "synsetFileName=" + SYNSET,
                "");
    }

    private static List<String> indices(int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(Integer.toString(i));
        return out;
    }
}
