package dev.hybridvit.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The 1000 ImageNet-1k (ILSVRC-2012) class names in logit order: the first WordNet lemma of each
 * synset ("tench", "goldfish", … "toilet tissue"), as the usual label files list them. Bundled as
 * {@code dev/hybridvit/imagenet-1k-classes.txt}; two names repeat ("crane", "maillot"), because two
 * synsets share their first lemma.
 */
public final class ImageNetClasses {
    public static final int COUNT = 1000;
    private static final String RESOURCE = "/dev/hybridvit/imagenet-1k-classes.txt";
    private static volatile List<String> names;

    private ImageNetClasses() {}

    /** The 1000 names, index = class index. */
    public static List<String> names() {
        List<String> n = names;
        if (n == null) names = n = load();
        return n;
    }

    /** The ImageNet names for a {@code numClasses}-way classifier when it is 1000-way, otherwise empty (labels unknown). */
    public static List<String> defaultFor(int numClasses) {
        return numClasses == COUNT ? names() : List.of();
    }

    private static List<String> load() {
        try (InputStream in = ImageNetClasses.class.getResourceAsStream(RESOURCE)) {
            if (in == null) throw new IllegalStateException("missing resource " + RESOURCE);
            List<String> lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))
                    .lines()
                    .filter(l -> !l.isBlank())
                    .toList();
            if (lines.size() != COUNT)
                throw new IllegalStateException(RESOURCE + " has " + lines.size() + " names, expected " + COUNT);
            return lines;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
