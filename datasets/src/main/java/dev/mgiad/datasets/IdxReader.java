package dev.mgiad.datasets;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/**
 * Parser for the IDX files of (Fashion-)MNIST.
 *
 * <p>Every field of the header is checked before any large allocation, and the payload is read
 * with {@link InputStream#readNBytes(int)}, which grows its buffer as data arrives; together this
 * means a corrupt count cannot make us allocate gigabytes for a file that holds kilobytes.
 * The stream is read to its end so that the gzip CRC is checked and trailing junk is noticed.
 */
final class IdxReader {
    static final int IMAGES_MAGIC = 0x00000803;
    static final int LABELS_MAGIC = 0x00000801;
    private static final int MAX_BYTES = Integer.MAX_VALUE - 16;

    private IdxReader() {}

    record Images(int count, int rows, int cols, byte[] pixels) {}

    /**
     * @param expectedCount the required number of images, or -1 to accept any
     */
    static Images readImages(Path file, int rows, int cols, int expectedCount) {
        DataFiles.requireFile(file);
        String n = DataFiles.name(file);
        try (InputStream in = DataFiles.open(file)) {
            int[] h = readHeader(in, file, 4, IMAGES_MAGIC, "IDX images");
            int count = h[1];
            checkCount(n, count, expectedCount, "images");
            if (h[2] != rows || h[3] != cols) {
                throw new DatasetException(n + ": images are " + h[2] + "x" + h[3] + ", expected " + rows + "x" + cols);
            }
            long payload = (long) count * rows * cols;
            if (payload > MAX_BYTES) {
                throw new DatasetException(n + ": image count " + count + " is implausibly large");
            }
            byte[] pixels = readPayload(in, file, 16, (int) payload);
            return new Images(count, rows, cols, pixels);
        } catch (IOException e) {
            throw DataFiles.readError(file, e);
        }
    }

    /** Reads labels and checks each is in 0..classes-1. */
    static int[] readLabels(Path file, int classes, int expectedCount) {
        DataFiles.requireFile(file);
        String n = DataFiles.name(file);
        try (InputStream in = DataFiles.open(file)) {
            int[] h = readHeader(in, file, 2, LABELS_MAGIC, "IDX labels");
            int count = h[1];
            checkCount(n, count, expectedCount, "labels");
            if (count > MAX_BYTES) {
                throw new DatasetException(n + ": label count " + count + " is implausibly large");
            }
            byte[] raw = readPayload(in, file, 8, count);
            int[] labels = new int[count];
            for (int i = 0; i < count; i++) {
                int v = raw[i] & 0xFF;
                if (v >= classes) {
                    throw new DatasetException(n + ": label " + v + " at index " + i + " out of range 0.." + (classes - 1));
                }
                labels[i] = v;
            }
            return labels;
        } catch (IOException e) {
            throw DataFiles.readError(file, e);
        }
    }

    private static void checkCount(String n, int count, int expected, String what) {
        if (count < 0) {
            throw new DatasetException(n + ": negative " + what + " count " + count + " in header");
        }
        if (expected >= 0 && count != expected) {
            throw new DatasetException(n + ": header says " + count + " " + what + ", expected " + expected);
        }
    }

    /** Returns {magic, dim0, dim1, ...}. */
    private static int[] readHeader(InputStream in, Path file, int words, int magic, String kind) throws IOException {
        String n = DataFiles.name(file);
        byte[] b = in.readNBytes(4 * words);
        if (b.length < 4) {
            throw new DatasetException(n + ": truncated: " + b.length + " bytes, expected at least " + 4 * words
                    + " (" + kind + " header)");
        }
        int[] h = new int[words];
        h[0] = readInt(b, 0);
        if (h[0] != magic) {
            throw new DatasetException(n + ": bad magic number " + hex(h[0]) + ", expected " + hex(magic) + " (" + kind + ")");
        }
        if (b.length < 4 * words) {
            throw new DatasetException(n + ": truncated: " + b.length + " bytes, expected at least " + 4 * words
                    + " (" + kind + " header)");
        }
        for (int i = 1; i < words; i++) {
            h[i] = readInt(b, 4 * i);
        }
        return h;
    }

    private static byte[] readPayload(InputStream in, Path file, int headerBytes, int length) throws IOException {
        byte[] data = in.readNBytes(length);
        String n = DataFiles.name(file);
        String unit = DataFiles.isGzip(file) ? " uncompressed bytes" : " bytes";
        if (data.length < length) {
            throw new DatasetException(n + ": truncated: " + (headerBytes + data.length) + unit + ", expected "
                    + ((long) headerBytes + length));
        }
        if (in.read() != -1) { // also makes GZIPInputStream check its CRC trailer
            long extra = 1 + in.transferTo(java.io.OutputStream.nullOutputStream());
            throw new DatasetException(n + ": " + extra + " unexpected" + unit + " after the expected "
                    + ((long) headerBytes + length));
        }
        return data;
    }

    static int readInt(byte[] b, int off) {
        return ((b[off] & 0xFF) << 24) | ((b[off + 1] & 0xFF) << 16) | ((b[off + 2] & 0xFF) << 8) | (b[off + 3] & 0xFF);
    }

    static String hex(int v) {
        return String.format("0x%08X", v);
    }
}
