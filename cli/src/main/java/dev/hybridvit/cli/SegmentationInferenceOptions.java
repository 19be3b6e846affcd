package dev.hybridvit.cli;

import dev.hybridvit.models.segmentation.SegmentationInference;
import picocli.CommandLine.Option;

/** {@code --mode whole|slide [--crop-size C --stride S]}: how {@code validate} and {@code segment} cover an image. */
final class SegmentationInferenceOptions {
    @Option(
            names = "--mode",
            defaultValue = "whole",
            description =
                    "segmentation: whole or slide (sliding window, mmseg's slide_inference) (default: ${DEFAULT-VALUE})")
    String mode;

    @Option(names = "--crop-size", description = "segmentation, slide: window side (default: the model's size)")
    Integer cropSize;

    @Option(names = "--stride", description = "segmentation, slide: window step (default: 2/3 of the crop size)")
    Integer stride;

    /** The inference asked for; {@code modelSize} is the default window. */
    SegmentationInference resolve(int modelSize) {
        if (mode.equals("whole")) return SegmentationInference.whole();
        if (!mode.equals("slide")) throw new IllegalArgumentException("--mode " + mode + ": expected whole or slide");
        int crop = cropSize != null ? cropSize : modelSize;
        return SegmentationInference.slide(crop, stride != null ? stride : Math.max(1, 2 * crop / 3));
    }
}
