package dev.mgiad.datasets;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The data sets the engine knows, with the facts about each that several parts of the program
 * need to agree on (command-line name, shape, folder name, normalization constants).
 *
 * <p>Keeping these facts in one place stops the locator, the readers, the downloader and the
 * transforms from each carrying their own, slightly different, copy.
 */
public enum DatasetKind {
    /** Normalization constants as used by the reference code of the paper (not the exact data statistics). */
    CIFAR10("cifar10", "CIFAR-10", 3, 10, 32, 32, "cifar-10-batches-bin",
            new float[] {0.4914f, 0.4822f, 0.4465f}, new float[] {0.2023f, 0.1994f, 0.2010f},
            List.of("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"),
            List.of("data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin",
                    "data_batch_5.bin", "test_batch.bin")),
    CIFAR100("cifar100", "CIFAR-100", 3, 100, 32, 32, "cifar-100-binary",
            new float[] {0.5071f, 0.4865f, 0.4409f}, new float[] {0.2673f, 0.2564f, 0.2762f},
            Cifar100Names.FINE,
            List.of("train.bin", "test.bin")),
    FASHION_MNIST("fashion-mnist", "Fashion-MNIST", 1, 10, 28, 28, "fashion-mnist",
            new float[] {0.5f}, new float[] {0.5f},
            List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                    "Ankle boot"),
            List.of("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
                    "t10k-labels-idx1-ubyte.gz"));

    private final String cliName;
    private final String displayName;
    private final int channels;
    private final int classes;
    private final int height;
    private final int width;
    private final String folderName;
    private final float[] mean;
    private final float[] std;
    private final List<String> classNames;
    private final List<String> dataFiles;

    DatasetKind(String cliName, String displayName, int channels, int classes, int height, int width, String folderName,
                float[] mean, float[] std, List<String> classNames, List<String> dataFiles) {
        this.cliName = cliName;
        this.displayName = displayName;
        this.channels = channels;
        this.classes = classes;
        this.height = height;
        this.width = width;
        this.folderName = folderName;
        this.mean = mean;
        this.std = std;
        this.classNames = classNames;
        this.dataFiles = dataFiles;
    }

    /** The name used on the command line and in the Debian layout {@code /usr/share/datasets/<name>}. */
    public String cliName() { return cliName; }

    /** The name as the data set's authors write it, for messages. */
    public String displayName() { return displayName; }

    public int channels() { return channels; }

    /** Number of (fine) classes; for CIFAR-100 the 20 coarse classes are extra. */
    public int classes() { return classes; }

    /** Height of the images as stored, before any padding. */
    public int height() { return height; }

    /** Width of the images as stored, before any padding. */
    public int width() { return width; }

    /** The folder name used by the official archives, which is also the name searched for under a parent folder. */
    public String folderName() { return folderName; }

    /** Per-channel mean of the [0,1]-scaled pixels; a copy, so callers cannot change the constants. */
    public float[] mean() { return mean.clone(); }

    /** Per-channel standard deviation of the [0,1]-scaled pixels; a copy. */
    public float[] std() { return std.clone(); }

    public float mean(int channel) { return mean[channel]; }

    public float std(int channel) { return std[channel]; }

    /** Class names used when the data folder does not carry its own names file. */
    public List<String> defaultClassNames() { return classNames; }

    /**
     * Files that must all be present for a folder to count as holding this data set. For IDX files
     * the {@code .gz} name is listed, but an uncompressed file without the suffix is accepted too.
     */
    public List<String> dataFiles() { return dataFiles; }

    /** Accepts the command-line name (case-insensitive), so that a typo gets a message listing the valid names. */
    public static DatasetKind fromCliName(String name) {
        if (name != null) {
            for (DatasetKind k : values()) {
                if (k.cliName.equalsIgnoreCase(name.trim())) {
                    return k;
                }
            }
        }
        throw new DatasetException("unknown dataset '" + name + "'; valid names are: " + validNames());
    }

    /** The valid command-line names, comma separated, for usage messages. */
    public static String validNames() {
        return Arrays.stream(values()).map(DatasetKind::cliName).collect(Collectors.joining(", "));
    }
}
