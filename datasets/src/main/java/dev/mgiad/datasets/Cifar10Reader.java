package dev.mgiad.datasets;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the CIFAR-10 binary version ({@code data_batch_1..5.bin}, {@code test_batch.bin}).
 *
 * <p>All files of a split are validated before the pixel array is allocated, so a truncated
 * fifth batch fails fast instead of after four batches have been copied.
 */
public final class Cifar10Reader implements DatasetReader {
    private static final DatasetKind KIND = DatasetKind.CIFAR10;
    static final int RECORDS_PER_FILE = 10_000;
    private final boolean strictCounts;

    /** A strict reader: each file must hold exactly 10,000 records. */
    public Cifar10Reader() {
        this(true);
    }

    /** @param strictCounts false accepts any whole number of records per file, for small test files */
    public Cifar10Reader(boolean strictCounts) {
        this.strictCounts = strictCounts;
    }

    /** The file names of a split, in the order their records are concatenated. */
    public static List<String> fileNames(boolean train) {
        if (!train) {
            return List.of("test_batch.bin");
        }
        List<String> names = new ArrayList<>();
        for (int b = 1; b <= 5; b++) {
            names.add("data_batch_" + b + ".bin");
        }
        return names;
    }

    @Override
    public ImageDataset read(Path dir, boolean train) {
        List<CifarFile> files = new ArrayList<>();
        for (String name : fileNames(train)) {
            files.add(new CifarFile(dir.resolve(name), new String[] {"label"}, new int[] {KIND.classes()}));
        }
        int[] counts = new int[files.size()];
        long total = 0;
        for (int i = 0; i < files.size(); i++) {
            counts[i] = files.get(i).countRecords(strictCounts ? RECORDS_PER_FILE : -1);
            total += counts[i];
        }
        if (total * CifarFile.PIXELS > Integer.MAX_VALUE - 16) {
            throw new DatasetException(dir + ": " + total + " records are too many to hold in memory");
        }
        byte[] pixels = new byte[(int) total * CifarFile.PIXELS];
        int[][] labels = {new int[(int) total]};
        int first = 0;
        for (int i = 0; i < files.size(); i++) {
            files.get(i).readInto(counts[i], first, pixels, labels);
            first += counts[i];
        }
        List<String> names = DataFiles.readNames(dir.resolve("batches.meta.txt"), KIND.defaultClassNames());
        return new ImageDataset(3, 32, 32, pixels, labels[0], null, names, List.of());
    }
}
