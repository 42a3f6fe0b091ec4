package dev.mgiad.datasets;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.zip.GZIPOutputStream;

/** Writers for tiny synthetic data files, so reader tests need no real data. */
final class TestData {
    private TestData() {}

    /** Pixel value of image i at byte position p, distinct enough to catch mix-ups. */
    static byte pixel(int i, int p) {
        return (byte) (i * 7 + p * 3);
    }

    static byte[] idxImages(int magic, int count, int rows, int cols) {
        ByteBuffer b = ByteBuffer.allocate(16 + count * rows * cols);
        b.putInt(magic).putInt(count).putInt(rows).putInt(cols);
        for (int i = 0; i < count; i++) {
            for (int p = 0; p < rows * cols; p++) {
                b.put(pixel(i, p));
            }
        }
        return b.array();
    }

    static byte[] idxLabels(int magic, int... labels) {
        ByteBuffer b = ByteBuffer.allocate(8 + labels.length);
        b.putInt(magic).putInt(labels.length);
        for (int l : labels) {
            b.put((byte) l);
        }
        return b.array();
    }

    static byte[] gzip(byte[] data) {
        try {
            ByteArrayOutputStream bos = new ByteArrayOutputStream();
            try (GZIPOutputStream gz = new GZIPOutputStream(bos)) {
                gz.write(data);
            }
            return bos.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path write(Path file, byte[] data) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            return Files.write(file, data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path write(Path file, String text) {
        return write(file, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Writes a complete gzipped Fashion-MNIST folder with the given labels for both splits. */
    static void fashion(Path dir, int[] trainLabels, int[] testLabels) {
        write(dir.resolve("train-images-idx3-ubyte.gz"), gzip(idxImages(2051, trainLabels.length, 28, 28)));
        write(dir.resolve("train-labels-idx1-ubyte.gz"), gzip(idxLabels(2049, trainLabels)));
        write(dir.resolve("t10k-images-idx3-ubyte.gz"), gzip(idxImages(2051, testLabels.length, 28, 28)));
        write(dir.resolve("t10k-labels-idx1-ubyte.gz"), gzip(idxLabels(2049, testLabels)));
    }

    /** CIFAR records: labels per record (one or two bytes each), then 3072 pixels from {@link #pixel}. */
    static byte[] cifarRecords(int firstImage, int[]... labelsPerRecord) {
        int labelBytes = labelsPerRecord.length == 0 ? 1 : labelsPerRecord[0].length;
        ByteBuffer b = ByteBuffer.allocate(labelsPerRecord.length * (labelBytes + 3072));
        for (int r = 0; r < labelsPerRecord.length; r++) {
            for (int l : labelsPerRecord[r]) {
                b.put((byte) l);
            }
            for (int p = 0; p < 3072; p++) {
                b.put(pixel(firstImage + r, p));
            }
        }
        return b.array();
    }

    /** A CIFAR-10 batch whose record r has label (first + r) % 10. */
    static byte[] cifar10Batch(int first, int count) {
        int[][] labels = new int[count][];
        for (int r = 0; r < count; r++) {
            labels[r] = new int[] {(first + r) % 10};
        }
        return cifarRecords(first, labels);
    }

    /** A complete CIFAR-10 folder with {@code perFile} records in each of the six files. */
    static void cifar10(Path dir, int perFile) {
        for (int b = 1; b <= 5; b++) {
            write(dir.resolve("data_batch_" + b + ".bin"), cifar10Batch((b - 1) * perFile, perFile));
        }
        write(dir.resolve("test_batch.bin"), cifar10Batch(0, perFile));
    }

    static String md5(byte[] data) {
        try {
            return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("MD5").digest(data));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A minimal ustar writer, the inverse of the code under test, kept deliberately simple. */
    static final class Tar {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Tar file(String name, byte[] data) {
            return entry(name, "", data, '0');
        }

        Tar dir(String name) {
            return entry(name, "", new byte[0], '5');
        }

        Tar entry(String name, String prefix, byte[] data, char type) {
            byte[] h = new byte[512];
            put(h, 0, name);
            put(h, 100, "0000644");
            put(h, 108, "0000000");
            put(h, 116, "0000000");
            put(h, 124, String.format("%011o", data.length));
            put(h, 136, "00000000000");
            h[156] = (byte) type;
            put(h, 257, "ustar");
            h[262] = 0;
            put(h, 263, "00");
            put(h, 345, prefix);
            for (int i = 148; i < 156; i++) {
                h[i] = ' ';
            }
            int sum = 0;
            for (byte x : h) {
                sum += x & 0xFF;
            }
            put(h, 148, String.format("%06o", sum));
            h[154] = 0;
            out.writeBytes(h);
            out.writeBytes(data);
            out.writeBytes(new byte[(512 - data.length % 512) % 512]);
            return this;
        }

        /** Appends the two zero blocks that end an archive. */
        byte[] bytes() {
            ByteArrayOutputStream copy = new ByteArrayOutputStream();
            copy.writeBytes(out.toByteArray());
            copy.writeBytes(new byte[1024]);
            return copy.toByteArray();
        }

        private static void put(byte[] h, int off, String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            System.arraycopy(b, 0, h, off, b.length);
        }
    }
}
