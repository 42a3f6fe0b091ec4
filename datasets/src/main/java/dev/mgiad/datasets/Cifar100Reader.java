package dev.mgiad.datasets;

import java.nio.file.Path;

/**
 * Reads the CIFAR-100 binary version ({@code train.bin}, {@code test.bin}), keeping both the
 * fine (100-class) label used for training and the coarse (20-superclass) label, which is
 * cheap to keep and lets reports group errors by superclass.
 */
public final class Cifar100Reader implements DatasetReader {
    private static final DatasetKind KIND = DatasetKind.CIFAR100;
    private final boolean strictCounts;

    /** A strict reader: train.bin must hold 50,000 records and test.bin 10,000. */
    public Cifar100Reader() {
        this(true);
    }

    /** @param strictCounts false accepts any whole number of records, for small test files */
    public Cifar100Reader(boolean strictCounts) {
        this.strictCounts = strictCounts;
    }

    @Override
    public ImageDataset read(Path dir, boolean train) {
        CifarFile file = new CifarFile(dir.resolve(train ? "train.bin" : "test.bin"),
                new String[] {"coarse label", "fine label"}, new int[] {20, KIND.classes()});
        int count = file.countRecords(strictCounts ? (train ? 50_000 : 10_000) : -1);
        byte[] pixels = new byte[count * CifarFile.PIXELS];
        int[][] labels = {new int[count], new int[count]};
        file.readInto(count, 0, pixels, labels);
        var fine = DataFiles.readNames(dir.resolve("fine_label_names.txt"), KIND.defaultClassNames());
        var coarse = DataFiles.readNames(dir.resolve("coarse_label_names.txt"), Cifar100Names.COARSE);
        return new ImageDataset(3, 32, 32, pixels, labels[1], labels[0], fine, coarse);
    }
}
