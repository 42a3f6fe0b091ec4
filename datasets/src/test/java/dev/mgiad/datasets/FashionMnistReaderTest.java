package dev.mgiad.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FashionMnistReaderTest {
    @TempDir Path dir;

    private final FashionMnistReader lenient = new FashionMnistReader(false);

    private String error(boolean train) {
        return assertThrows(DatasetException.class, () -> lenient.read(dir, train)).getMessage();
    }

    @Test
    void readsGzippedFiles() {
        TestData.fashion(dir, new int[] {9, 0, 0, 3}, new int[] {9, 2, 1});
        ImageDataset train = lenient.read(dir, true);
        assertEquals(4, train.count());
        assertEquals(1, train.channels());
        assertEquals(28, train.height());
        assertEquals(28, train.width());
        assertArrayEquals(new int[] {9, 0, 0, 3}, train.labels());
        assertEquals(TestData.pixel(2, 100) & 0xFF, train.pixel(2, 0, 100 / 28, 100 % 28));
        assertEquals("Ankle boot", train.classNames().get(9));
        assertTrue(train.coarseLabels().isEmpty());
        assertEquals(3, lenient.read(dir, false).count());
    }

    @Test
    void readsUncompressedFiles() {
        TestData.write(dir.resolve("t10k-images-idx3-ubyte"), TestData.idxImages(2051, 2, 28, 28));
        TestData.write(dir.resolve("t10k-labels-idx1-ubyte"), TestData.idxLabels(2049, 5, 7));
        ImageDataset test = lenient.read(dir, false);
        assertArrayEquals(new int[] {5, 7}, test.labels());
        byte[] img = new byte[784];
        test.copyImage(1, img, 0);
        assertEquals(TestData.pixel(1, 783), img[783]);
    }

    @Test
    void badMagicNamesFileAndBothNumbers() {
        TestData.fashion(dir, new int[] {1}, new int[] {1});
        TestData.write(dir.resolve("t10k-labels-idx1-ubyte.gz"), TestData.gzip(TestData.idxLabels(2051, 1)));
        assertEquals("t10k-labels-idx1-ubyte.gz: bad magic number 0x00000803, expected 0x00000801 (IDX labels)",
                error(false));
        TestData.write(dir.resolve("t10k-images-idx3-ubyte.gz"), TestData.gzip(TestData.idxImages(2049, 1, 28, 28)));
        assertEquals("t10k-images-idx3-ubyte.gz: bad magic number 0x00000801, expected 0x00000803 (IDX images)",
                error(false));
    }

    @Test
    void truncatedImagesSayHowManyBytes() {
        TestData.fashion(dir, new int[] {1, 2}, new int[] {1});
        byte[] full = TestData.idxImages(2051, 2, 28, 28);
        TestData.write(dir.resolve("train-images-idx3-ubyte.gz"), TestData.gzip(Arrays.copyOf(full, 1000)));
        assertEquals("train-images-idx3-ubyte.gz: truncated: 1000 uncompressed bytes, expected 1584", error(true));
        TestData.write(dir.resolve("train-images-idx3-ubyte.gz"), TestData.gzip(Arrays.copyOf(full, 10)));
        assertTrue(error(true).startsWith("train-images-idx3-ubyte.gz: truncated: 10 bytes"));
    }

    @Test
    void truncatedPlainLabels() {
        TestData.write(dir.resolve("t10k-images-idx3-ubyte"), TestData.idxImages(2051, 3, 28, 28));
        TestData.write(dir.resolve("t10k-labels-idx1-ubyte"), Arrays.copyOf(TestData.idxLabels(2049, 1, 2, 3), 9));
        assertEquals("t10k-labels-idx1-ubyte: truncated: 9 bytes, expected 11", error(false));
    }

    @Test
    void junkAfterTheGzipStreamIsAnErrorButConcatenatedMembersRead() {
        TestData.write(dir.resolve("t10k-images-idx3-ubyte.gz"), TestData.gzip(TestData.idxImages(2051, 1, 28, 28)));
        byte[] gz = TestData.gzip(TestData.idxLabels(2049, 4));
        byte[] junk = Arrays.copyOf(gz, gz.length + 5);
        junk[gz.length] = 'j';
        TestData.write(dir.resolve("t10k-labels-idx1-ubyte.gz"), junk);
        assertEquals("t10k-labels-idx1-ubyte.gz: corrupt gzip data (5 bytes of junk after the end of the compressed data)", error(false));
        byte[] labels = TestData.idxLabels(2049, 4);
        byte[] a = TestData.gzip(Arrays.copyOf(labels, 5)), b = TestData.gzip(Arrays.copyOfRange(labels, 5, labels.length));
        byte[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        TestData.write(dir.resolve("t10k-labels-idx1-ubyte.gz"), both);
        assertArrayEquals(new int[] {4}, lenient.read(dir, false).labels(), "two gzip members read as one file, as gzip does");
        byte[] badCrc = gz.clone();
        badCrc[gz.length - 8] ^= 1;
        TestData.write(dir.resolve("t10k-labels-idx1-ubyte.gz"), badCrc);
        assertTrue(error(false).contains("corrupt gzip trailer"), error(false));
    }

    @Test
    void trailingDataIsAnError() {
        TestData.write(dir.resolve("t10k-images-idx3-ubyte"), TestData.idxImages(2051, 1, 28, 28));
        byte[] labels = Arrays.copyOf(TestData.idxLabels(2049, 1), 12);
        TestData.write(dir.resolve("t10k-labels-idx1-ubyte"), labels);
        assertEquals("t10k-labels-idx1-ubyte: 3 unexpected bytes after the expected 9", error(false));
    }

    @Test
    void labelOutOfRange() {
        TestData.fashion(dir, new int[] {1, 2, 10}, new int[] {1});
        assertEquals("train-labels-idx1-ubyte.gz: label 10 at index 2 out of range 0..9", error(true));
    }

    @Test
    void imageAndLabelCountsMustAgree() {
        TestData.fashion(dir, new int[] {1, 2}, new int[] {1});
        TestData.write(dir.resolve("train-labels-idx1-ubyte.gz"), TestData.gzip(TestData.idxLabels(2049, 1, 2, 3)));
        assertEquals("train-labels-idx1-ubyte.gz: 3 labels, but train-images-idx3-ubyte.gz has 2 images", error(true));
    }

    @Test
    void wrongDimensions() {
        TestData.fashion(dir, new int[] {1}, new int[] {1});
        TestData.write(dir.resolve("t10k-images-idx3-ubyte.gz"), TestData.gzip(TestData.idxImages(2051, 1, 32, 28)));
        assertEquals("t10k-images-idx3-ubyte.gz: images are 32x28, expected 28x28", error(false));
    }

    @Test
    void strictCountsRequireOfficialSizes() {
        TestData.fashion(dir, new int[] {1}, new int[] {1});
        DatasetException e = assertThrows(DatasetException.class, () -> new FashionMnistReader().read(dir, false));
        assertEquals("t10k-images-idx3-ubyte.gz: header says 1 images, expected 10000", e.getMessage());
    }

    @Test
    void negativeCount() {
        TestData.fashion(dir, new int[] {1}, new int[] {1});
        TestData.write(dir.resolve("t10k-labels-idx1-ubyte"), TestData.idxLabels(2049));
        byte[] bad = TestData.idxImages(2051, 0, 28, 28);
        bad[4] = (byte) 0xFF;
        TestData.write(dir.resolve("t10k-images-idx3-ubyte.gz"), TestData.gzip(bad));
        assertTrue(error(false).contains("t10k-images-idx3-ubyte.gz: negative images count"));
    }

    @Test
    void missingFileNamesThePaths() {
        TestData.fashion(dir, new int[] {1}, new int[] {1});
        dir.resolve("train-images-idx3-ubyte.gz").toFile().delete();
        assertEquals(dir.resolve("train-images-idx3-ubyte.gz") + " or " + dir.resolve("train-images-idx3-ubyte")
                + ": file not found", error(true));
    }

    @Test
    void corruptGzip() {
        TestData.fashion(dir, new int[] {1, 2}, new int[] {1});
        byte[] gz = TestData.gzip(TestData.idxImages(2051, 2, 28, 28));
        byte[] truncated = Arrays.copyOf(gz, gz.length / 2);
        TestData.write(dir.resolve("train-images-idx3-ubyte.gz"), truncated);
        assertEquals("train-images-idx3-ubyte.gz: corrupt gzip data (compressed data ends early)", error(true));

        byte[] badCrc = gz.clone();
        badCrc[badCrc.length - 6] ^= 0x55; // inside the CRC32 trailer
        TestData.write(dir.resolve("train-images-idx3-ubyte.gz"), badCrc);
        assertTrue(error(true).startsWith("train-images-idx3-ubyte.gz: corrupt gzip data ("), error(true));

        TestData.write(dir.resolve("train-images-idx3-ubyte.gz"), TestData.idxImages(2051, 2, 28, 28));
        assertEquals("train-images-idx3-ubyte.gz: corrupt gzip data (Not in GZIP format)", error(true));
    }

    @Test
    void emptyLabelFile() {
        TestData.fashion(dir, new int[] {1}, new int[] {1});
        TestData.write(dir.resolve("t10k-labels-idx1-ubyte.gz"), new byte[0]);
        String msg = error(false);
        assertTrue(msg.startsWith("t10k-labels-idx1-ubyte.gz: corrupt gzip data"), msg);
    }
}
