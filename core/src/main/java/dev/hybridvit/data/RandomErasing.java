package dev.hybridvit.data;

import java.util.Locale;
import java.util.Random;

/**
 * Random Erasing (Zhong et al. 2020) as timm's {@code --reprob P --remode pixel --recount 1}:
 * with probability P, up to {@code count} rectangles of 2–33% of the area (aspect ratio
 * 0.3–3.3, log-uniform; ten attempts each) are overwritten. Mode {@code pixel} draws every
 * value from N(0, 1), {@code rand} one N(0, 1) value per channel, {@code const} zeros. Runs after
 * normalisation, where N(0, 1) is noise at the data's own scale.
 */
public final class RandomErasing implements Transform {
    public enum Mode {
        CONST,
        RAND,
        PIXEL
    }

    private static final double MIN_AREA = 0.02,
            MAX_AREA = 1 / 3.0,
            MIN_LOG_ASPECT = Math.log(0.3),
            MAX_LOG_ASPECT = -Math.log(0.3);

    private final double probability;
    private final Mode mode;
    private final int count;

    public RandomErasing(double probability, Mode mode, int count) {
        if (probability < 0 || probability > 1)
            throw new IllegalArgumentException("--reprob must be in [0, 1], got " + probability);
        if (count < 1) throw new IllegalArgumentException("--recount must be ≥ 1, got " + count);
        this.probability = probability;
        this.mode = mode;
        this.count = count;
    }

    /** {@code const}, {@code rand} or {@code pixel} (timm's {@code --remode}). */
    public static Mode mode(String name) {
        try {
            return Mode.valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--remode " + name + ": one of const, rand, pixel");
        }
    }

    @Override
    public float[] apply(float[] img, int[] d, Random rng) {
        if (rng.nextDouble() > probability) return img;
        int c = d[0], h = d[1], w = d[2];
        float[] out = img.clone();
        int boxes = count > 1 ? 1 + rng.nextInt(count) : 1;
        for (int box = 0; box < boxes; box++) {
            for (int attempt = 0; attempt < 10; attempt++) {
                double area = (MIN_AREA + rng.nextDouble() * (MAX_AREA - MIN_AREA)) * h * w / boxes;
                double aspect = Math.exp(MIN_LOG_ASPECT + rng.nextDouble() * (MAX_LOG_ASPECT - MIN_LOG_ASPECT));
                int eh = (int) Math.round(Math.sqrt(area * aspect)), ew = (int) Math.round(Math.sqrt(area / aspect));
                if (ew >= w || eh >= h) continue;
                int top = rng.nextInt(h - eh + 1), left = rng.nextInt(w - ew + 1);
                for (int ch = 0; ch < c; ch++) {
                    float colour = mode == Mode.RAND ? (float) rng.nextGaussian() : 0;
                    for (int y = top; y < top + eh; y++) {
                        for (int x = left; x < left + ew; x++) {
                            out[(ch * h + y) * w + x] = mode == Mode.PIXEL ? (float) rng.nextGaussian() : colour;
                        }
                    }
                }
                break;
            }
        }
        return out;
    }
}
