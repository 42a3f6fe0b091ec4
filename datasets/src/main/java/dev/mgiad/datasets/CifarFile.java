package dev.mgiad.datasets;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One CIFAR binary file: fixed-size records of label bytes followed by 3,072 planar pixel bytes.
 *
 * <p>Reading is split in two steps, {@link #countRecords} then {@link #readInto}, so that a
 * reader can validate every file of a split and allocate the whole pixel array once, instead of
 * concatenating per-file arrays (which would briefly double the 150 MB of CIFAR-100).
 */
final class CifarFile {
    static final int PIXELS = 3 * 32 * 32;

    private final Path file;
    private final String[] labelNames;
    private final int[] labelLimits;

    /**
     * @param labelNames what each leading label byte is called in messages, e.g. "coarse label"
     * @param labelLimits the number of classes for each label byte
     */
    CifarFile(Path file, String[] labelNames, int[] labelLimits) {
        this.file = file;
        this.labelNames = labelNames;
        this.labelLimits = labelLimits;
    }

    int recordSize() {
        return labelNames.length + PIXELS;
    }

    Path path() {
        return file;
    }

    /**
     * Checks the file size and returns the number of records.
     *
     * @param expected the exact record count required, or -1 for any whole number of records
     */
    int countRecords(int expected) {
        DataFiles.requireFile(file);
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw DataFiles.readError(file, e);
        }
        String n = DataFiles.name(file);
        int rs = recordSize();
        if (expected >= 0) {
            long want = (long) expected * rs;
            if (size < want) {
                throw new DatasetException(n + ": truncated: " + size + " bytes, expected " + want
                        + " (" + expected + " records of " + rs + " bytes)");
            }
            if (size > want) {
                throw new DatasetException(n + ": " + size + " bytes, expected " + want
                        + " (" + expected + " records of " + rs + " bytes); wrong file or wrong data set?");
            }
            return expected;
        }
        if (size == 0) {
            throw new DatasetException(n + ": empty file, expected records of " + rs + " bytes");
        }
        if (size % rs != 0) {
            long want = (size / rs + 1) * rs;
            throw new DatasetException(n + ": truncated: " + size + " bytes, expected " + want
                    + " (a whole number of " + rs + "-byte records)");
        }
        if (size / rs * PIXELS > Integer.MAX_VALUE - 16) {
            throw new DatasetException(n + ": " + size + " bytes is too large for one CIFAR file");
        }
        return (int) (size / rs);
    }

    /**
     * Reads {@code count} records, writing image {@code first + i} into {@code pixels} and its
     * label bytes into {@code labels[k][first + i]}, checking every label's range.
     */
    void readInto(int count, int first, byte[] pixels, int[][] labels) {
        String n = DataFiles.name(file);
        int rs = recordSize();
        int nl = labelNames.length;
        byte[] record = new byte[rs];
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            for (int i = 0; i < count; i++) {
                int got = in.readNBytes(record, 0, rs);
                if (got < rs) { // the file shrank after countRecords looked at it
                    throw new DatasetException(n + ": truncated: " + ((long) i * rs + got) + " bytes, expected "
                            + (long) count * rs);
                }
                for (int k = 0; k < nl; k++) {
                    int v = record[k] & 0xFF;
                    if (v >= labelLimits[k]) {
                        throw new DatasetException(n + ": record " + i + ": " + labelNames[k] + " " + v
                                + " out of range 0.." + (labelLimits[k] - 1));
                    }
                    labels[k][first + i] = v;
                }
                System.arraycopy(record, nl, pixels, (first + i) * PIXELS, PIXELS);
            }
        } catch (IOException e) {
            throw DataFiles.readError(file, e);
        }
    }
}
