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
    private static final Map<String, PretrainedTag> PRETRAINED = new LinkedHashMap<>();
    /** Dense-prediction models, kept apart from the classifiers that {@link #names()} lists. */
    private static final Map<String, ModelSpec> SEGMENTATION = new LinkedHashMap<>();

    static {
        NextViT.specs().forEach(ModelRegistry::add);
        CMT.specs().forEach(ModelRegistry::add);
        TRTViT.specs().forEach(ModelRegistry::add);
        for (PretrainedTag t : Pretrained.all()) {
            if (!MODELS.containsKey(t.model()))
                throw new IllegalStateException(t.name() + " names unregistered model " + t.model());
            if (PRETRAINED.putIfAbsent(t.name(), t) != null)
                throw new IllegalStateException("duplicate pretrained tag " + t.name());
        }
        SemanticFPN.specs(MODELS.values().stream().filter(s -> !s.isAlias()).toList())
                .forEach(s -> SEGMENTATION.put(s.name(), s));
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

    /**
     * One name per distinct architecture: resolution aliases ({@code nextvit_small_384}) are left out,
     * so tests that build every model do not build the same network twice.
     */
    public static List<String> architectures() {
        return MODELS.values().stream()
                .filter(s -> !s.isAlias())
                .map(ModelSpec::name)
                .toList();
    }

    /** Every pretrained tag ({@code model.tag}, timm's naming), in registry order. */
    public static List<PretrainedTag> pretrained() {
        return List.copyOf(PRETRAINED.values());
    }

    /** The tag named {@code tag}; an unknown tag gets an error that suggests the closest ones. */
    public static PretrainedTag pretrained(String tag) {
        return lookup(PRETRAINED, tag, "pretrained tag", "models --pretrained");
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
        ModelSpec segmentation = SEGMENTATION.get(name);
        return segmentation != null ? segmentation : lookup(MODELS, name, "model", "models");
    }

    private static <T> T lookup(Map<String, T> entries, String name, String kind, String listing) {
        T entry = entries.get(name);
        if (entry == null) {
            throw new IllegalArgumentException("unknown " + kind + " '" + name + "'. Did you mean: "
                    + String.join(", ", closest(name, entries.keySet())) + "? (`" + listing + "` lists all)");
        }
        return entry;
    }

    private static List<String> closest(String name, java.util.Collection<String> names) {
        List<String> all = new ArrayList<>(names);
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
