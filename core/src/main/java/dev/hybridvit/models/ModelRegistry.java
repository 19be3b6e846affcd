package dev.hybridvit.models;

import dev.hybridvit.models.cmt.CMT;
import dev.hybridvit.models.nextvit.NextViT;
import dev.hybridvit.models.segmentation.SemanticFPN;
import dev.hybridvit.models.trtvit.TRTViT;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Every model users can name, by its timm-style name. Families add their specs here. */
public final class ModelRegistry {
    private static final Map<String, ModelSpec> MODELS = new LinkedHashMap<>();
    /** Dense-prediction models, kept apart from the classifiers that {@link #names()} lists. */
    private static final Map<String, ModelSpec> SEGMENTATION = new LinkedHashMap<>();

    static {
        NextViT.specs().forEach(ModelRegistry::add);
        CMT.specs().forEach(ModelRegistry::add);
        TRTViT.specs().forEach(ModelRegistry::add);
        SemanticFPN.specs(List.copyOf(MODELS.values())).forEach(s -> SEGMENTATION.put(s.name(), s));
    }

    private ModelRegistry() {}

    private static void add(ModelSpec spec) {
        if (MODELS.putIfAbsent(spec.name(), spec) != null)
            throw new IllegalStateException("duplicate model " + spec.name());
    }

    public static List<ModelSpec> all() {
        return List.copyOf(MODELS.values());
    }

    /** The classification models. */
    public static List<String> names() {
        return List.copyOf(MODELS.keySet());
    }

    /** The segmentation models ({@code fpn_<backbone>}), logits N×K×H×W. */
    public static List<String> segmentationNames() {
        return List.copyOf(SEGMENTATION.keySet());
    }

    public static boolean isSegmentation(String name) {
        return SEGMENTATION.containsKey(name);
    }

    /** ADE20K's 150 classes, what a segmentation model is built with by default. */
    public static final int SEGMENTATION_CLASSES = 150;

    /** Default options of {@code name}: 1000 ImageNet classes, or 150 for a segmentation model. */
    public static ModelOptions defaultOptions(String name) {
        return options(name, null);
    }

    /** Default options of {@code name} with {@code numClasses} classes (null: the model's default). */
    public static ModelOptions options(String name, Integer numClasses) {
        if (numClasses != null) return ModelOptions.defaults().withNumClasses(numClasses);
        return isSegmentation(name)
                ? ModelOptions.defaults().withNumClasses(SEGMENTATION_CLASSES)
                : ModelOptions.defaults();
    }

    /** Names matching a shell-style glob such as {@code nextvit_*}. */
    public static List<String> names(String glob) {
        var matcher = FileSystems.getDefault().getPathMatcher("glob:" + glob);
        return MODELS.keySet().stream().filter(n -> matcher.matches(Path.of(n))).toList();
    }

    /** The spec for {@code name}; an unknown name gets an error that suggests the closest ones. */
    public static ModelSpec get(String name) {
        ModelSpec spec = MODELS.containsKey(name) ? MODELS.get(name) : SEGMENTATION.get(name);
        if (spec == null) {
            throw new IllegalArgumentException("unknown model '" + name + "'. Did you mean: "
                    + String.join(", ", suggestions(name)) + "? (`models` lists all)");
        }
        return spec;
    }

    static List<String> suggestions(String name) {
        List<String> all = new ArrayList<>(MODELS.keySet());
        all.addAll(SEGMENTATION.keySet());
        all.sort(Comparator.comparingInt(n -> editDistance(name.toLowerCase(), n)));
        return all.subList(0, Math.min(3, all.size()));
    }

    private static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1], cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
