package dev.mgiad.datasets;

import java.nio.file.Path;

/**
 * Reads Fashion-MNIST from its four IDX files, gzipped or not.
 *
 * <p>Both the {@code .gz} name and the uncompressed name are tried, because some mirrors and
 * package managers ship the files decompressed. Images and labels are read separately and then
 * checked against each other, since a mismatched pair (e.g. train images with test labels)
 * would otherwise train silently on garbage.
 */
public final class FashionMnistReader implements DatasetReader {
    private static final DatasetKind KIND = DatasetKind.FASHION_MNIST;
    private final boolean strictCounts;

    /** A strict reader: 60,000 training and 10,000 test records are required. */
    public FashionMnistReader() {
        this(true);
    }

    /** @param strictCounts false accepts any record count, for small test files */
    public FashionMnistReader(boolean strictCounts) {
        this.strictCounts = strictCounts;
    }

    @Override
    public ImageDataset read(Path dir, boolean train) {
        String prefix = train ? "train" : "t10k";
        int expected = strictCounts ? (train ? 60_000 : 10_000) : -1;
        Path imagesFile = find(dir, prefix + "-images-idx3-ubyte");
        Path labelsFile = find(dir, prefix + "-labels-idx1-ubyte");
        IdxReader.Images images = IdxReader.readImages(imagesFile, KIND.height(), KIND.width(), expected);
        int[] labels = IdxReader.readLabels(labelsFile, KIND.classes(), expected);
        if (labels.length != images.count()) {
            throw new DatasetException(DataFiles.name(labelsFile) + ": " + labels.length + " labels, but "
                    + DataFiles.name(imagesFile) + " has " + images.count() + " images");
        }
        return new ImageDataset(1, KIND.height(), KIND.width(), images.pixels(), labels, null,
                KIND.defaultClassNames(), java.util.List.of());
    }

    private static Path find(Path dir, String base) {
        return DataFiles.firstExisting(dir.resolve(base + ".gz"), dir.resolve(base));
    }
}
