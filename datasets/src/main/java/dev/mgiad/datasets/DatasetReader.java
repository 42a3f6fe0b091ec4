package dev.mgiad.datasets;

import java.nio.file.Path;

/** Reads one split of a data set from the folder that directly holds its files. */
public interface DatasetReader {

    /**
     * @param dir the folder holding the files (not its parent; {@link DataLocator} resolves that)
     * @param train the training split when true, else the test split
     * @throws DatasetException for any missing, short, or malformed file
     */
    ImageDataset read(Path dir, boolean train);

    /**
     * The reader for a kind.
     *
     * @param strictCounts when true, the files must hold the official number of records, which
     *     catches a partial copy early; tests turn it off to work with tiny files
     */
    static DatasetReader of(DatasetKind kind, boolean strictCounts) {
        return switch (kind) {
            case CIFAR10 -> new Cifar10Reader(strictCounts);
            case CIFAR100 -> new Cifar100Reader(strictCounts);
            case FASHION_MNIST -> new FashionMnistReader(strictCounts);
        };
    }
}
