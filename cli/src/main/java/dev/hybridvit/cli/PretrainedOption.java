package dev.hybridvit.cli;

import dev.hybridvit.models.ModelRegistry;
import dev.hybridvit.models.PretrainedTag;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** How {@code --pretrained TAG} and a MODEL argument go together: the tag names the model, MODEL may be left out. */
final class PretrainedOption {
    private PretrainedOption() {}

    /**
     * The model a command runs: the tag's, or {@code model}. A MODEL given beside a tag must be the
     * tag's model (or the architecture it is a resolution alias of).
     */
    static String model(PretrainedTag tag, String model) {
        if (tag == null) {
            if (model == null) throw new IllegalArgumentException("name the MODEL (or a --pretrained TAG)");
            return model;
        }
        if (model != null && !fits(tag, model)) {
            throw new IllegalArgumentException(
                    "--pretrained " + tag.name() + " holds weights of " + tag.model() + ", not " + model);
        }
        return tag.model();
    }

    /**
     * With a tag, the first positional argument is an image unless it names the tag's model:
     * {@code predict --pretrained T --weights F a.jpg b.jpg} and {@code predict M --pretrained T ...} both work.
     */
    static List<Path> imagesAfterModel(PretrainedTag tag, String first, List<Path> rest) {
        List<Path> images = new ArrayList<>(rest);
        if (ModelRegistry.names().contains(first)) model(tag, first);
        else images.add(0, Path.of(first));
        return images;
    }

    private static boolean fits(PretrainedTag tag, String model) {
        return model.equals(tag.model())
                || model.equals(ModelRegistry.get(tag.model()).architectureName());
    }
}
