package dev.hybridvit.data;

import dev.hybridvit.models.ModelSpec;
import dev.hybridvit.tensor.Printable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Resolves a {@code --dataset} argument into train/validation splits with their transforms:
 * {@code fashion-mnist} (IDX files; train = the 60,000 training images, val = the 10,000 test
 * images) or a directory in ImageFolder layout ({@code DIR/train} and {@code DIR/val} when
 * present, otherwise a seeded 90/10 split of {@code DIR}).
 */
public final class DataSources {
    public static final String FASHION_MNIST = "fashion-mnist";
    /** Environment variable naming a directory with the Fashion-MNIST IDX files. */
    public static final String FASHION_MNIST_ENV = "HYBRIDVIT_FASHION_MNIST";

    private DataSources() {}

    /**
     * Splits and transforms for training at {@code size}.
     *
     * @param name       the dataset's name as given
     * @param evalCropPct the crop fraction of the evaluation preprocessing (1.0: resize the whole image)
     * @param channels   channels of the source images before conversion to RGB
     */
    public record Splits(
            String name,
            ImageDataset train,
            ImageDataset val,
            List<String> classes,
            Transform trainTransform,
            Transform evalTransform,
            double evalCropPct,
            int channels) {
        /**
         * The images of both splits skipped as unreadable (not decodable, unsupported, over the
         * pixel limit) as a summary for the end of a run, or empty if none.
         */
        public String problemSummary() {
            Map<Path, String> all = new TreeMap<>(train.problems());
            all.putAll(val.problems());
            if (all.isEmpty()) return "";
            StringBuilder sb = new StringBuilder("skipped " + all.size() + " unreadable image"
                    + (all.size() == 1 ? "" : "s") + " (left out at the scan, or skipped when they failed later):");
            all.forEach((f, why) -> sb.append("\n  ").append(Printable.escape(f + ": " + why)));
            return sb.toString();
        }
    }

    /** The repository folder holding the bundled copy of the four IDX files (MIT licence beside them). */
    static final String BUNDLED_DIR = "data/fashion-mnist";

    /**
     * Where the Fashion-MNIST files are: the folder named by {@value #FASHION_MNIST_ENV}, else
     * Debian's {@code /usr/share/datasets/fashion-mnist}, else the copy bundled in the repository
     * (found above the working directory or above this library's jar), so a fresh clone needs no
     * download.
     */
    public static Path fashionMnistDir() throws IOException {
        String env = System.getenv(FASHION_MNIST_ENV);
        if (env != null && !env.isBlank()) {
            if (!hasFashionMnist(Path.of(env))) {
                throw new IOException(
                        FASHION_MNIST_ENV + "=" + env + " does not hold train-images-idx3-ubyte[.gz]; it must name a"
                                + " folder with the four Fashion-MNIST IDX files");
            }
            return Path.of(env);
        }
        if (hasFashionMnist(FashionMnist.DEBIAN_DIR)) return FashionMnist.DEBIAN_DIR;
        List<Path> starts = new ArrayList<>(List.of(Path.of("").toAbsolutePath()));
        try {
            starts.add(Path.of(DataSources.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI()));
        } catch (Exception e) {
            // no code source (unusual class loader): the working directory is still searched
        }
        for (Path start : starts) {
            for (Path dir = start; dir != null; dir = dir.getParent()) {
                Path candidate = dir.resolve(BUNDLED_DIR);
                if (hasFashionMnist(candidate)) return candidate;
            }
        }
        throw new IOException("Fashion-MNIST not found: not in " + FashionMnist.DEBIAN_DIR + " nor in a " + BUNDLED_DIR
                + " folder above " + starts.get(0)
                + ". Run from a clone of hybridvit (it bundles the files), install Debian's"
                + " dataset-fashion-mnist, or set " + FASHION_MNIST_ENV
                + "=DIR to a folder with the four *-idx?-ubyte.gz files");
    }

    private static boolean hasFashionMnist(Path dir) {
        return Files.isRegularFile(dir.resolve("train-images-idx3-ubyte.gz"))
                || Files.isRegularFile(dir.resolve("train-images-idx3-ubyte"));
    }

    /**
     * Opens {@code dataset} for a model with preprocessing {@code spec} at input {@code size}.
     *
     * @param trainSubset / valSubset use only the first N images (≤ 0: all)
     */
    public static Splits open(String dataset, ModelSpec spec, int size, long seed, int trainSubset, int valSubset)
            throws IOException {
        return open(dataset, spec, size, seed, trainSubset, valSubset, null, null);
    }

    /**
     * As above, with the training crop {@code crop} and left-right flip probability {@code hflip};
     * null takes the dataset's default: for an ImageFolder timm's {@link RandomResizedCrop#DEFAULT}
     * and flips with probability 1/2, for Fashion-MNIST small shifts and no flips.
     */
    public static Splits open(
            String dataset,
            ModelSpec spec,
            int size,
            long seed,
            int trainSubset,
            int valSubset,
            RandomResizedCrop crop,
            Double hflip)
            throws IOException {
        return open(dataset, spec, size, seed, trainSubset, valSubset, crop, hflip, Preprocessing.of(spec, size));
    }

    /**
     * As above, with the evaluation preprocessing {@code eval} (crop fraction, interpolation,
     * mean/std) for the validation split; its size must be {@code size}. Fashion-MNIST takes
     * only its mean/std: its 28-px images are resized to {@code size} whole.
     */
    public static Splits open(
            String dataset,
            ModelSpec spec,
            int size,
            long seed,
            int trainSubset,
            int valSubset,
            RandomResizedCrop crop,
            Double hflip,
            Preprocessing eval)
            throws IOException {
        if (eval.size() != size)
            throw new IllegalArgumentException(
                    "evaluation preprocessing is for " + eval.size() + " px, the model takes " + size);
        float[] mean = eval.mean(), std = eval.std();
        if (FASHION_MNIST.equalsIgnoreCase(dataset)) {
            Path dir = fashionMnistDir();
            FashionMnist train = FashionMnist.load(dir, "train"), test = FashionMnist.load(dir, "t10k");
            // ±1 px shifts at 32 px: a short schedule underfits with larger shifts.
            // No flips: every shoe and bag in Fashion-MNIST (train and test) faces the same way, and
            // learning both orientations costs a small model accuracy.
            int pad = Math.max(1, size / 32);
            Transform base = Transforms.toRgb().then(Transforms.resize(size));
            Transform aug = base.then(crop == null ? Transforms.randomCrop(pad) : crop.to(size))
                    .then(Transforms.horizontalFlip(hflip == null ? 0 : hflip))
                    .then(Transforms.normalize(mean, std));
            return new Splits(
                    FASHION_MNIST,
                    Subset.head(train, trainSubset),
                    Subset.head(test, valSubset),
                    FashionMnist.CLASSES,
                    aug,
                    base.then(Transforms.normalize(eval.mean(), eval.std())),
                    1.0,
                    1);
        }
        Path root = Path.of(dataset);
        if (!Files.isDirectory(root)) {
            throw new IOException("--dataset " + dataset + ": neither '" + FASHION_MNIST
                    + "' nor a directory (ImageFolder layout: DIR/<class>/<image>)");
        }
        double cropPct = eval.cropPct();
        int load = (int) Math.floor(size / spec.cropPct());
        ImageDataset train, val;
        List<String> classes;
        Map<Path, String> skipped = new TreeMap<>();
        Path trainDir = root.resolve("train"), valDir = firstDir(root.resolve("val"), root.resolve("validation"));
        if (Files.isDirectory(trainDir) && valDir != null) {
            ImageFolder t = ImageFolder.scan(trainDir, load), v = ImageFolder.scan(valDir, load);
            if (!t.classNames().equals(v.classNames())) {
                throw new IOException(root + ": train and val have different class directories: " + t.classNames()
                        + " vs " + v.classNames());
            }
            skipped.putAll(t.problems());
            skipped.putAll(v.problems());
            train = t;
            val = v.forEvaluation(eval);
            classes = t.classNames();
        } else {
            ImageFolder all = ImageFolder.scan(root, load);
            skipped.putAll(all.problems());
            int[] order = new int[all.size()];
            for (int i = 0; i < order.length; i++) order[i] = i;
            Random r = new Random(seed);
            for (int i = order.length - 1; i > 0; i--) {
                int j = r.nextInt(i + 1), t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            int nVal = Math.max(1, order.length / 10);
            train = new Subset(all, java.util.Arrays.copyOfRange(order, nVal, order.length));
            val = new Subset(all.forEvaluation(eval), java.util.Arrays.copyOfRange(order, 0, nVal));
            classes = all.classNames();
        }
        skipped.forEach((p, why) ->
                System.err.println(Printable.escape("warning: skipping unreadable image " + p + " (" + why + ")")));
        Transform aug = (crop == null ? RandomResizedCrop.DEFAULT : crop)
                .to(size)
                .then(Transforms.horizontalFlip(hflip == null ? 0.5 : hflip))
                .then(Transforms.normalize(mean, std));
        return new Splits(
                root.toString(),
                Subset.head(train, trainSubset),
                Subset.head(val, valSubset),
                classes,
                aug,
                Transforms.normalize(eval.mean(), eval.std()),
                cropPct,
                3);
    }

    private static Path firstDir(Path... candidates) {
        for (Path p : candidates) if (Files.isDirectory(p)) return p;
        return null;
    }
}
