package dev.mgiad.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CifarReaderTest {
    @TempDir Path dir;

    private String error(DatasetReader reader, boolean train) {
        return assertThrows(DatasetException.class, () -> reader.read(dir, train)).getMessage();
    }

    @Test
    void cifar10ConcatenatesBatchesInOrder() {
        TestData.cifar10(dir, 3);
        ImageDataset train = new Cifar10Reader(false).read(dir, true);
        assertEquals(15, train.count());
        assertEquals(3, train.channels());
        for (int i = 0; i < 15; i++) {
            assertEquals(i % 10, train.label(i));
        }
        // image 7 is record 1 of data_batch_3; green plane (c=1), row 2, col 5 is byte 1024 + 2*32 + 5
        assertEquals(TestData.pixel(7, 1024 + 69) & 0xFF, train.pixel(7, 1, 2, 5));
        assertEquals("truck", train.classNames().get(9));
        assertEquals(3, new Cifar10Reader(false).read(dir, false).count());
    }

    @Test
    void cifar10NamesComeFromMetaFile() {
        TestData.cifar10(dir, 1);
        TestData.write(dir.resolve("batches.meta.txt"), "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n\n");
        assertEquals("j", new Cifar10Reader(false).read(dir, false).classNames().get(9));
        TestData.write(dir.resolve("batches.meta.txt"), "a\nb\n");
        assertEquals("batches.meta.txt: 2 class names, expected 10", error(new Cifar10Reader(false), false));
    }

    @Test
    void cifar10StrictWantsTenThousandRecords() {
        TestData.cifar10(dir, 2);
        assertEquals("test_batch.bin: truncated: 6146 bytes, expected 30730000 (10000 records of 3073 bytes)",
                error(new Cifar10Reader(), false));
        assertEquals("data_batch_1.bin: truncated: 6146 bytes, expected 30730000 (10000 records of 3073 bytes)",
                error(new Cifar10Reader(true), true));
    }

    @Test
    void partialRecordIsTruncation() {
        TestData.cifar10(dir, 2);
        TestData.write(dir.resolve("data_batch_4.bin"), Arrays.copyOf(TestData.cifar10Batch(0, 2), 5000));
        assertEquals("data_batch_4.bin: truncated: 5000 bytes, expected 6146 (a whole number of 3073-byte records)",
                error(new Cifar10Reader(false), true));
        TestData.write(dir.resolve("test_batch.bin"), new byte[0]);
        assertEquals("test_batch.bin: empty file, expected records of 3073 bytes", error(new Cifar10Reader(false), false));
    }

    @Test
    void cifar10LabelOutOfRange() {
        TestData.cifar10(dir, 2);
        byte[] b = TestData.cifar10Batch(0, 2);
        b[3073] = 10;
        TestData.write(dir.resolve("test_batch.bin"), b);
        assertEquals("test_batch.bin: record 1: label 10 out of range 0..9", error(new Cifar10Reader(false), false));
    }

    @Test
    void cifar10MissingBatchNamesPath() {
        TestData.cifar10(dir, 1);
        dir.resolve("data_batch_5.bin").toFile().delete();
        assertEquals(dir.resolve("data_batch_5.bin") + ": file not found", error(new Cifar10Reader(false), true));
    }

    @Test
    void cifar100KeepsFineAndCoarseLabels() {
        TestData.write(dir.resolve("train.bin"), TestData.cifarRecords(0, new int[] {4, 30}, new int[] {19, 99}));
        TestData.write(dir.resolve("test.bin"), TestData.cifarRecords(0, new int[] {0, 0}));
        ImageDataset train = new Cifar100Reader(false).read(dir, true);
        assertArrayEquals(new int[] {30, 99}, train.labels());
        assertArrayEquals(new int[] {4, 19}, train.coarseLabels().orElseThrow());
        assertEquals(19, train.coarseLabel(1));
        assertEquals("worm", train.classNames().get(99));
        assertEquals("vehicles_2", train.coarseClassNames().get(19));
        assertEquals(TestData.pixel(1, 3071) & 0xFF, train.pixel(1, 2, 31, 31));
    }

    @Test
    void cifar100LabelRanges() {
        TestData.write(dir.resolve("train.bin"), TestData.cifarRecords(0, new int[] {4, 30}, new int[] {19, 100}));
        assertEquals("train.bin: record 1: fine label 100 out of range 0..99", error(new Cifar100Reader(false), true));
        TestData.write(dir.resolve("train.bin"), TestData.cifarRecords(0, new int[] {20, 30}));
        assertEquals("train.bin: record 0: coarse label 20 out of range 0..19", error(new Cifar100Reader(false), true));
    }

    @Test
    void cifar100StrictCountsAndRecordSize() {
        TestData.write(dir.resolve("test.bin"), TestData.cifarRecords(0, new int[] {1, 1}));
        assertEquals("test.bin: truncated: 3074 bytes, expected 30740000 (10000 records of 3074 bytes)",
                error(new Cifar100Reader(), false));
        TestData.write(dir.resolve("test.bin"), TestData.cifar10Batch(0, 2)); // 3073-byte records
        assertTrue(error(new Cifar100Reader(false), false).startsWith("test.bin: truncated: 6146 bytes, expected 6148"));
    }

    @Test
    void cifar100NameFiles() {
        TestData.write(dir.resolve("test.bin"), TestData.cifarRecords(0, new int[] {1, 1}));
        TestData.write(dir.resolve("coarse_label_names.txt"), "only\none\n");
        assertEquals("coarse_label_names.txt: 2 class names, expected 20", error(new Cifar100Reader(false), false));
    }

    @Test
    void directoryInsteadOfFile() {
        TestData.cifar10(dir, 1);
        dir.resolve("test_batch.bin").toFile().delete();
        dir.resolve("test_batch.bin").toFile().mkdir();
        assertTrue(error(new Cifar10Reader(false), false).endsWith("test_batch.bin: is a directory, expected a data file"));
    }
}
