package dev.hybridvit.data;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The training augmentations beyond crop and flip, named after timm's flags: {@code --aa}
 * (RandAugment config, null: off), {@code --reprob}/{@code --remode}/{@code --recount} (random
 * erasing), {@code --mixup}/{@code --cutmix} (Beta α, 0: off), {@code --mixup-prob},
 * {@code --mixup-switch-prob}, {@code --mixup-off-epoch}; {@code crop} ({@code --scale},
 * {@code --ratio}) is the training crop and {@code hflip} ({@code --hflip}) the probability of a
 * left-right flip, each null for the dataset's default (see {@link DataSources#open}).
 * {@link #none()} turns all off and leaves crop and flip to the dataset.
 */
public record Augmentation(
        String autoAugment,
        double reprob,
        String remode,
        int recount,
        double mixup,
        double cutmix,
        double mixupProb,
        double mixupSwitchProb,
        int mixupOffEpoch,
        RandomResizedCrop crop,
        Double hflip) {
    public Augmentation {
        if (autoAugment != null && (autoAugment.isBlank() || autoAugment.equalsIgnoreCase("none"))) autoAugment = null;
        if (autoAugment != null) RandAugment.parse(autoAugment, new float[] {0}); // fail early on a bad string
        RandomErasing.mode(remode);
        new RandomErasing(reprob, RandomErasing.Mode.PIXEL, recount);
        new Mixup(mixup, cutmix, mixupProb, mixupSwitchProb, mixupOffEpoch, 0, 1);
        if (hflip != null) Transforms.horizontalFlip(hflip); // fail early outside [0, 1]
    }

    /** timm's defaults: everything off (remode pixel, recount 1, mixup prob 1, switch prob 0.5). */
    public static Augmentation none() {
        return new Augmentation(null, 0, "pixel", 1, 0, 0, 1.0, 0.5, 0, null, null);
    }

    public Augmentation withAutoAugment(String config) {
        return new Augmentation(
                config, reprob, remode, recount, mixup, cutmix, mixupProb, mixupSwitchProb, mixupOffEpoch, crop, hflip);
    }

    public Augmentation withRandomErasing(double probability) {
        return new Augmentation(
                autoAugment,
                probability,
                remode,
                recount,
                mixup,
                cutmix,
                mixupProb,
                mixupSwitchProb,
                mixupOffEpoch,
                crop,
                hflip);
    }

    public Augmentation withCrop(RandomResizedCrop c) {
        return new Augmentation(
                autoAugment,
                reprob,
                remode,
                recount,
                mixup,
                cutmix,
                mixupProb,
                mixupSwitchProb,
                mixupOffEpoch,
                c,
                hflip);
    }

    public Augmentation withHflip(Double probability) {
        return new Augmentation(
                autoAugment,
                reprob,
                remode,
                recount,
                mixup,
                cutmix,
                mixupProb,
                mixupSwitchProb,
                mixupOffEpoch,
                crop,
                probability);
    }

    public Augmentation withMixup(double mixupAlpha, double cutmixAlpha) {
        return new Augmentation(
                autoAugment,
                reprob,
                remode,
                recount,
                mixupAlpha,
                cutmixAlpha,
                mixupProb,
                mixupSwitchProb,
                mixupOffEpoch,
                crop,
                hflip);
    }

    /**
     * The per-image training transform: {@code normalized} (a pipeline ending in
     * {@link Transforms#normalize} with {@code mean}/{@code std}), then RandAugment in pixel
     * space (filling with the mean, as timm), then random erasing — timm's order.
     */
    public Transform trainTransform(Transform normalized, float[] mean, float[] std) {
        Transform t = normalized;
        if (autoAugment != null) t = t.then(Transforms.inPixelSpace(mean, std, RandAugment.parse(autoAugment, mean)));
        if (reprob > 0) t = t.then(new RandomErasing(reprob, RandomErasing.mode(remode), recount));
        return t;
    }

    /** The batch mixer, or null when mixup and cutmix are off. */
    public Mixup mixer(double smoothing, int classes) {
        return mixup > 0 || cutmix > 0
                ? new Mixup(mixup, cutmix, mixupProb, mixupSwitchProb, mixupOffEpoch, smoothing, classes)
                : null;
    }

    /** The settings as flag → value, for checkpoints and reports. */
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("aa", autoAugment);
        m.put("reprob", reprob);
        m.put("remode", remode);
        m.put("recount", recount);
        m.put("mixup", mixup);
        m.put("cutmix", cutmix);
        m.put("mixup_prob", mixupProb);
        m.put("mixup_switch_prob", mixupSwitchProb);
        m.put("mixup_off_epoch", mixupOffEpoch);
        m.put("scale", crop == null ? null : java.util.List.of(crop.scaleMin(), crop.scaleMax()));
        m.put("ratio", crop == null ? null : java.util.List.of(crop.ratioMin(), crop.ratioMax()));
        m.put("hflip", hflip);
        return m;
    }
}
