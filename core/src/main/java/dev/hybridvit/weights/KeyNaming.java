package dev.hybridvit.weights;

import dev.hybridvit.models.VisionModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The state-dict naming conventions a checkpoint may use, and how each maps to the project's own
 * names (which are the official PyTorch names: Next-ViT's {@code classification/nextvit.py}, CMT's
 * {@code cmt_pytorch/cmt.py}). The mapping is data: each
 * convention is a list of {@link Rename} rows between template fragments, applied in both
 * directions by one interpreter; no code is written per key.
 *
 * <p>timm's Next-ViT nests blocks as {@code stages.s.blocks.j}, the official code numbers them
 * flat as {@code features.k}; the {@code {block}} ↔ {@code {stage}.{index}} placeholders convert
 * with a {@link StageLayout} (blocks per stage) taken from the model's block list or from the checkpoint keys.
 */
public enum KeyNaming {
    /** Official Next-ViT (ByteDance) — identical to ours. */
    NEXTVIT_OFFICIAL("nextvit", "official Next-ViT", "^(features\\.\\d+\\.|proj_head\\.0\\.)", List.of()),
    /** timm's {@code nextvit_*} (hub safetensors files). */
    NEXTVIT_TIMM(
            "nextvit",
            "timm Next-ViT",
            "^(stages\\.\\d+\\.blocks\\.\\d+\\.|head\\.fc\\.)",
            List.of(
                    new Rename("^features.{block}.", "^stages.{stage}.blocks.{index}."),
                    new Rename(".mlp.conv1.", ".mlp.fc1."),
                    new Rename(".mlp.conv2.", ".mlp.fc2."),
                    new Rename(".patch_embed.avgpool.", ".patch_embed.pool."), // no parameters; listed for completeness
                    new Rename("^proj_head.0.", "^head.fc."))),
    /** Official CMT (Huawei Noah / ggjy) — identical to ours. */
    CMT_OFFICIAL(
            "cmt",
            "official CMT",
            "^(blocks_[a-d]\\.\\d+\\.|patch_embed_[a-d]\\.|relative_pos_[a-d]$|stem_conv1\\.)",
            List.of());

    /**
     * One row of the table: a fragment of our key and the same fragment in this convention. A
     * leading {@code ^} anchors at the start of the key; {@code {block}} (ours) and
     * {@code {stage}}/{@code {index}} (theirs) stand for block numbers.
     */
    public record Rename(String ours, String theirs) {}

    /** The classifier of each family under our names: re-initialised when the class count changes. */
    static final Map<String, String> CLASSIFIER_PREFIX = Map.of("nextvit", "proj_head.0.", "cmt", "head.");

    private final String family;
    private final String label;
    private final Pattern marker;
    private final List<Rename> renames;
    private final List<Compiled> compiled = new ArrayList<>();

    KeyNaming(String family, String label, String marker, List<Rename> renames) {
        this.family = family;
        this.label = label;
        this.marker = Pattern.compile(marker);
        this.renames = renames;
        for (Rename r : renames) compiled.add(new Compiled(r));
    }

    /** The model family ({@code ModelSpec.family()}) whose keys this convention names. */
    public String family() {
        return family;
    }

    /** Human-readable name for reports ("timm Next-ViT"). */
    public String label() {
        return label;
    }

    public List<Rename> renames() {
        return renames;
    }

    /** True if keys need no renaming (official names = ours). */
    public boolean isIdentity() {
        return renames.isEmpty();
    }

    /** True if converting needs to know how many blocks each stage has. */
    public boolean needsStageLayout() {
        return renames.stream().anyMatch(r -> r.ours().contains("{block}"));
    }

    /** The convention whose marker keys are most frequent in {@code keys}, if any matches. */
    public static Optional<KeyNaming> detect(Collection<String> keys) {
        KeyNaming best = null;
        long bestCount = 0;
        for (KeyNaming n : values()) {
            long c = keys.stream().filter(k -> n.marker.matcher(k).find()).count();
            if (c > bestCount) {
                best = n;
                bestCount = c;
            }
        }
        return Optional.ofNullable(best);
    }

    /** The identity convention of a family (its official names). */
    public static Optional<KeyNaming> official(String family) {
        return Arrays.stream(values())
                .filter(n -> n.family.equals(family) && n.isIdentity())
                .findFirst();
    }

    /** Every convention known for a family. */
    public static List<KeyNaming> forFamily(String family) {
        return Arrays.stream(values()).filter(n -> n.family.equals(family)).toList();
    }

    /** This convention's name for our {@code key}. */
    public String fromOurs(String key, StageLayout layout) {
        for (Compiled c : compiled) key = c.apply(key, true, layout);
        return key;
    }

    /** Our name for this convention's {@code key}. */
    public String toOurs(String key, StageLayout layout) {
        for (int i = compiled.size() - 1; i >= 0; i--) key = compiled.get(i).apply(key, false, layout);
        return key;
    }

    /** Renames every key of {@code ours} into this convention (values untouched, order kept). */
    public <V> LinkedHashMap<String, V> fromOurs(Map<String, V> ours, StageLayout layout) {
        LinkedHashMap<String, V> out = new LinkedHashMap<>();
        ours.forEach((k, v) -> put(out, fromOurs(k, layout), v, k));
        return out;
    }

    /** Renames every key of {@code theirs} (in this convention) to ours. */
    public <V> LinkedHashMap<String, V> toOurs(Map<String, V> theirs, StageLayout layout) {
        LinkedHashMap<String, V> out = new LinkedHashMap<>();
        theirs.forEach((k, v) -> put(out, toOurs(k, layout), v, k));
        return out;
    }

    private static <V> void put(Map<String, V> out, String key, V value, String original) {
        if (out.put(key, value) != null)
            throw new IllegalArgumentException("two keys map to '" + key + "' (one is '" + original + "')");
    }

    /**
     * Blocks per stage as written in {@code keys} of this convention ({@code stages.s.blocks.j} →
     * 1 + max j for each s); empty if the convention has no stage placeholders or no key uses them.
     */
    public Optional<StageLayout> layoutOf(Collection<String> keys) {
        for (Compiled c : compiled) {
            if (c.theirsGroups.contains("stage")) {
                TreeMap<Integer, Integer> depth = new TreeMap<>();
                for (String k : keys) {
                    Matcher m = c.theirs.matcher(k);
                    if (m.find()) {
                        int s = Integer.parseInt(m.group(c.theirsGroups.indexOf("stage") + 1));
                        int j = Integer.parseInt(m.group(c.theirsGroups.indexOf("index") + 1));
                        depth.merge(s, j + 1, Math::max);
                    }
                }
                if (depth.isEmpty()) return Optional.empty();
                int[] d = new int[depth.lastKey() + 1];
                depth.forEach((s, n) -> d[s] = n);
                return Optional.of(new StageLayout(d));
            }
        }
        return Optional.empty();
    }

    /**
     * Blocks per stage of {@code model} for this convention's flat block numbers: the blocks of
     * {@link VisionModel#blocks()} whose names our side of the {@code {block}} row matches (Next-ViT's
     * {@code features.k}), counted per stage. Empty if the convention has no such row, or the model
     * does not list such blocks numbered 0, 1, 2 … in forward order.
     */
    public Optional<StageLayout> layoutOf(VisionModel model) {
        for (Compiled c : compiled) {
            if (!c.oursGroups.contains("block")) continue;
            List<VisionModel.Block> blocks;
            try {
                blocks = model.blocks();
            } catch (UnsupportedOperationException unlisted) {
                return Optional.empty();
            }
            int[] depths = new int[model.numStages()];
            int next = 0;
            for (VisionModel.Block b : blocks) {
                Matcher m = c.ours.matcher(b.name() + ".");
                if (!m.find() || m.start() != 0) continue;
                if (Integer.parseInt(m.group(c.oursGroups.indexOf("block") + 1)) != next++) return Optional.empty();
                depths[b.stage()]++;
            }
            return next == 0 ? Optional.empty() : Optional.of(new StageLayout(depths));
        }
        return Optional.empty();
    }

    /** A rename row compiled to one regex per direction; the placeholders become capture groups. */
    private static final class Compiled {
        final Pattern ours, theirs;
        final List<String> oursGroups = new ArrayList<>(), theirsGroups = new ArrayList<>();
        final String oursTemplate, theirsTemplate;

        Compiled(Rename r) {
            oursTemplate = r.ours().startsWith("^") ? r.ours().substring(1) : r.ours();
            theirsTemplate = r.theirs().startsWith("^") ? r.theirs().substring(1) : r.theirs();
            ours = regex(r.ours(), oursGroups);
            theirs = regex(r.theirs(), theirsGroups);
        }

        private static Pattern regex(String template, List<String> groups) {
            StringBuilder re = new StringBuilder();
            int i = 0;
            if (template.startsWith("^")) {
                re.append('^');
                i = 1;
            }
            Matcher m = Pattern.compile("\\{(\\w+)}").matcher(template);
            while (m.find(i)) {
                re.append(Pattern.quote(template.substring(i, m.start()))).append("(\\d+)");
                groups.add(m.group(1));
                i = m.end();
            }
            re.append(Pattern.quote(template.substring(i)));
            return Pattern.compile(re.toString());
        }

        String apply(String key, boolean fromOurs, StageLayout layout) {
            Matcher m = (fromOurs ? ours : theirs).matcher(key);
            if (!m.find()) return key;
            List<String> names = fromOurs ? oursGroups : theirsGroups;
            Map<String, Integer> values = new LinkedHashMap<>();
            for (int g = 0; g < names.size(); g++) values.put(names.get(g), Integer.parseInt(m.group(g + 1)));
            if (values.containsKey("block") || values.containsKey("stage")) {
                if (layout == null)
                    throw new IllegalArgumentException("renaming '" + key + "' needs the blocks per stage");
                if (fromOurs) {
                    int[] sj = layout.split(values.get("block"));
                    values.put("stage", sj[0]);
                    values.put("index", sj[1]);
                } else {
                    values.put("block", layout.flat(values.get("stage"), values.get("index")));
                }
            }
            String template = fromOurs ? theirsTemplate : oursTemplate;
            for (Map.Entry<String, Integer> v : values.entrySet())
                template = template.replace("{" + v.getKey() + "}", v.getValue().toString());
            return key.substring(0, m.start()) + template + key.substring(m.end());
        }
    }

    /** Blocks per stage, to convert between flat block numbers and (stage, index in stage). */
    public record StageLayout(int[] depths) {
        public int total() {
            return Arrays.stream(depths).sum();
        }

        public int flat(int stage, int index) {
            if (stage >= depths.length || index >= depths[stage]) {
                throw new IllegalArgumentException("block " + index + " of stage " + stage
                        + " does not exist in a model with " + "stage depths " + Arrays.toString(depths));
            }
            int k = index;
            for (int s = 0; s < stage; s++) k += depths[s];
            return k;
        }

        public int[] split(int block) {
            int k = block;
            for (int s = 0; s < depths.length; s++) {
                if (k < depths[s]) return new int[] {s, k};
                k -= depths[s];
            }
            throw new IllegalArgumentException(
                    "block " + block + " does not exist in a model with stage depths " + Arrays.toString(depths));
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof StageLayout l && Arrays.equals(depths, l.depths);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(depths);
        }

        @Override
        public String toString() {
            return Arrays.toString(depths);
        }
    }
}
