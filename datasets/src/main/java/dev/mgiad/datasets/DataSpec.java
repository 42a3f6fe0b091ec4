package dev.mgiad.datasets;

import java.nio.file.Path;
import java.util.List;

/**
 * What a run knows about its data, enough to rebuild its input pipeline without the data: a built-in data set
 * ({@link DatasetKind}) or an image folder ({@link ImageFolder}), the stored image size, the class names and the
 * normalisation. A run keeps it in its checkpoints, so {@code eval} and {@code predict} preprocess images exactly as
 * training did, and a folder's mean and std (measured on its training split) are not recomputed from other data.
 *
 * @param kind the built-in data set, or null for an image folder
 * @param root the image folder, or null for a built-in data set
 * @param height stored image height before any padding (the folder's {@code --image-size})
 * @param mean per-channel mean of the [0,1]-scaled pixels
 * @param std per-channel standard deviation of the [0,1]-scaled pixels
 */
public record DataSpec(DatasetKind kind, Path root, int channels, int height, int width, List<String> classNames,
                       float[] mean, float[] std) {

    /** The name of image folders in the options and on the command line ({@code --dataset folder}). */
    public static final String FOLDER = "folder";

    public DataSpec {
        if ((kind == null) == (root == null)) throw new IllegalArgumentException("a data spec is either built-in or a folder");
        if (channels != 1 && channels != 3) throw new IllegalArgumentException("channels must be 1 or 3, got " + channels);
        if (mean.length != channels || std.length != channels) throw new IllegalArgumentException("need " + channels + " mean/std values");
        if (classNames.size() < 2) throw new IllegalArgumentException("need at least two classes");
        classNames = List.copyOf(classNames);
        mean = mean.clone();
        std = std.clone();
    }

    public static DataSpec builtin(DatasetKind kind) {
        return new DataSpec(kind, null, kind.channels(), kind.height(), kind.width(), kind.defaultClassNames(), kind.mean(), kind.std());
    }

    /** A folder data set described by its training split and that split's statistics. */
    public static DataSpec folder(Path root, ImageDataset train, ImageFolder.Stats stats) {
        return new DataSpec(null, root, train.channels(), train.height(), train.width(), train.classNames(), stats.mean(), stats.std());
    }

    public boolean isFolder() { return root != null; }

    /** The command-line name: {@code cifar10}, {@code fashion-mnist}, ... or {@value #FOLDER}. */
    public String cliName() { return kind != null ? kind.cliName() : FOLDER; }

    public int classes() { return classNames.size(); }

    @Override public float[] mean() { return mean.clone(); }

    /** Equal when every fact is equal (the arrays by value), so a spec read back from JSON equals the one written. */
    @Override
    public boolean equals(Object o) {
        return o instanceof DataSpec d && kind == d.kind && java.util.Objects.equals(root, d.root) && channels == d.channels
                && height == d.height && width == d.width && classNames.equals(d.classNames)
                && java.util.Arrays.equals(mean, d.mean) && java.util.Arrays.equals(std, d.std);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(kind, root, channels, height, width, classNames) * 31 + java.util.Arrays.hashCode(mean);
    }

    @Override
    public String toString() {
        return isFolder() ? "folder " + root + " (" + classes() + " classes, " + channels + "x" + height + "x" + width + ")" : kind.cliName();
    }

    @Override public float[] std() { return std.clone(); }

    /**
     * The geometric pipeline of a split: the paper's for built-in data (CIFAR: crop 32 with padding 4 and flips;
     * Fashion-MNIST: the fixed 2-pixel border when {@code padTo32}), and for a folder the CIFAR recipe scaled to
     * its size (crop padding size/8, flips). Test data gets the fixed part only.
     *
     * @param randomCrops whether training data gets the random crop and flip (false: --no-augment)
     */
    public Augmentation augmentation(boolean train, boolean randomCrops, boolean padTo32) {
        if (kind != null) return Augmentation.standard(kind, train && randomCrops, padTo32);
        return train && randomCrops ? new Augmentation(0, Math.max(1, height / 8), true) : Augmentation.NONE;
    }

    /** Augmentation plus this data's normalisation. */
    public Transform transform(boolean train, boolean randomCrops, boolean padTo32) {
        return new Transform(channels, height, width, mean, std, augmentation(train, randomCrops, padTo32));
    }

    /** Height and width of the network's input (stored size plus any fixed border). */
    public int inputHeight(boolean padTo32) { return height + 2 * augmentation(false, false, padTo32).padding(); }

    public int inputWidth(boolean padTo32) { return width + 2 * augmentation(false, false, padTo32).padding(); }

    /**
     * Reads a split: a built-in data set through {@link Datasets} (locator, optional download), a folder through
     * {@link ImageFolder} with this spec's size, channels and classes.
     */
    public ImageDataset load(Path dataDir, boolean download, boolean train) {
        if (kind != null) return Datasets.load(kind, dataDir, download, train);
        return ImageFolder.read(dataDir != null ? dataDir : root, train, height, channels, classNames);
    }
}
