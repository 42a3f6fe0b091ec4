package dev.mgiad.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Light checks against the real files in {@code <repo>/../shared/data}, skipped where that
 * folder is absent. Only the small test splits are read.
 */
class RealDataTest {
    /** Walks up from the module folder, because the repo may be checked out at any depth. */
    private static Path sharedData() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path candidate = p.resolve("shared").resolve("data");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    private static Path require(String folder) {
        Path data = sharedData();
        assumeTrue(data != null && Files.isDirectory(data.resolve(folder)), "no shared/data/" + folder);
        return data;
    }

    @Test
    void fashionMnistTestSplit() {
        Path data = require("fashion-mnist");
        DataLocator loc = new DataLocator(Map.of(), Path.of("/nonexistent-home"), Path.of("/nonexistent-sys"));
        Path dir = loc.locate(DatasetKind.FASHION_MNIST, data);
        assertEquals(data.resolve("fashion-mnist"), dir);
        ImageDataset test = new FashionMnistReader().read(dir, false);
        assertEquals(10_000, test.count());
        assertArrayEquals(new int[] {9, 2, 1, 1, 6, 1, 4, 6, 5, 7}, Arrays.copyOf(test.labels(), 10));
        int[] perClass = new int[10];
        for (int l : test.labels()) {
            perClass[l]++;
        }
        for (int c : perClass) {
            assertEquals(1000, c);
        }
    }

    @Test
    void cifar10TestBatchLabelsCycle() {
        Path data = require("cifar-10-batches-bin");
        DataLocator loc = new DataLocator(Map.of("MGIAD_DATA", data.toString()), Path.of("/nonexistent-home"),
                Path.of("/nonexistent-sys"));
        Path dir = loc.locate(DatasetKind.CIFAR10, null);
        ImageDataset test = new Cifar10Reader().read(dir, false);
        assertEquals(10_000, test.count());
        for (int i = 0; i < test.count(); i++) {
            assertEquals(i % 10, test.label(i), "record " + i);
        }
        assertEquals("airplane", test.classNames().get(0));
    }
}
