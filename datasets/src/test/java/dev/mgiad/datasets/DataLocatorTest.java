package dev.mgiad.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataLocatorTest {
    @TempDir Path tmp;

    private Path home() { return tmp.resolve("home"); }

    private Path sys() { return tmp.resolve("usr-share-datasets"); }

    private DataLocator locator(Map<String, String> env) {
        return new DataLocator(env, home(), sys());
    }

    private static void fashion(Path dir) {
        TestData.fashion(dir, new int[] {1}, new int[] {2});
    }

    @Test
    void explicitDirWinsAndMayBeTheParent() {
        Path explicit = tmp.resolve("explicit");
        Path envDir = tmp.resolve("env");
        fashion(explicit.resolve("fashion-mnist"));
        fashion(envDir);
        DataLocator loc = locator(Map.of("MGIAD_DATA", envDir.toString()));
        assertEquals(explicit.resolve("fashion-mnist"), loc.locate(DatasetKind.FASHION_MNIST, explicit));
        assertEquals(explicit.resolve("fashion-mnist"),
                loc.locate(DatasetKind.FASHION_MNIST, explicit.resolve("fashion-mnist")));
        assertEquals(envDir, loc.locate(DatasetKind.FASHION_MNIST, null));
    }

    @Test
    void envBeforeCacheBeforeDebian() {
        Path envParent = tmp.resolve("env");
        fashion(envParent.resolve("fashion-mnist"));
        fashion(home().resolve(".cache/mgiad/datasets/fashion-mnist"));
        fashion(sys().resolve("fashion-mnist"));
        Map<String, String> env = Map.of("MGIAD_DATA", envParent.toString());
        assertEquals(envParent.resolve("fashion-mnist"), locator(env).locate(DatasetKind.FASHION_MNIST, null));
        assertEquals(home().resolve(".cache/mgiad/datasets/fashion-mnist"),
                locator(Map.of()).locate(DatasetKind.FASHION_MNIST, null));
        TestData.write(home().resolve(".cache/mgiad/datasets/fashion-mnist/train-images-idx3-ubyte.gz"), new byte[0]);
        home().resolve(".cache/mgiad/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz").toFile().delete();
        assertEquals(sys().resolve("fashion-mnist"), locator(Map.of()).locate(DatasetKind.FASHION_MNIST, null));
    }

    @Test
    void xdgCacheHome() {
        Path xdg = tmp.resolve("xdg");
        DataLocator loc = locator(Map.of("XDG_CACHE_HOME", xdg.toString()));
        assertEquals(xdg.resolve("mgiad/datasets/cifar-10-batches-bin"), loc.cacheDir(DatasetKind.CIFAR10));
        TestData.cifar10(xdg.resolve("mgiad/datasets/cifar-10-batches-bin"), 1);
        assertEquals(loc.cacheDir(DatasetKind.CIFAR10), loc.locate(DatasetKind.CIFAR10, null));
        // a relative XDG_CACHE_HOME is invalid per the spec and ignored
        assertEquals(home().resolve(".cache/mgiad/datasets/cifar-100-binary"),
                locator(Map.of("XDG_CACHE_HOME", "rel")).cacheDir(DatasetKind.CIFAR100));
    }

    @Test
    void debianDataSubfolderAndUncompressedFiles() {
        Path d = sys().resolve("fashion-mnist/data");
        TestData.write(d.resolve("train-images-idx3-ubyte"), TestData.idxImages(2051, 1, 28, 28));
        TestData.write(d.resolve("train-labels-idx1-ubyte.gz"), TestData.gzip(TestData.idxLabels(2049, 1)));
        TestData.write(d.resolve("t10k-images-idx3-ubyte"), TestData.idxImages(2051, 1, 28, 28));
        TestData.write(d.resolve("t10k-labels-idx1-ubyte"), TestData.idxLabels(2049, 1));
        assertEquals(d, locator(Map.of()).locate(DatasetKind.FASHION_MNIST, null));
        assertEquals(1, new FashionMnistReader(false).read(d, true).count());
    }

    @Test
    void explicitDirWithoutDataFallsThrough() {
        fashion(sys().resolve("fashion-mnist"));
        assertEquals(Optional.of(sys().resolve("fashion-mnist")),
                locator(Map.of()).find(DatasetKind.FASHION_MNIST, tmp.resolve("nowhere")));
    }

    /** Root reads every folder, so this runs only as an ordinary user (CI runs as root: skipped there). */
    @Test
    void anUnreadableFolderIsReportedAsPermissionDenied() throws Exception {
        Path explicit = tmp.resolve("locked");
        fashion(explicit);
        java.nio.file.Files.setPosixFilePermissions(explicit, java.nio.file.attribute.PosixFilePermissions.fromString("---------"));
        try {
            org.junit.jupiter.api.Assumptions.assumeFalse(java.nio.file.Files.isReadable(explicit), "running as root: permissions are not enforced");
            String msg = assertThrows(DatasetException.class, () -> locator(Map.of()).locate(DatasetKind.FASHION_MNIST, explicit)).getMessage();
            assertTrue(msg.contains("--data-dir: " + explicit + " (permission denied)"), msg);
        } finally {
            java.nio.file.Files.setPosixFilePermissions(explicit, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        }
    }

    @Test
    void notFoundListsEveryPlaceAndHowToGetData() {
        Path explicit = tmp.resolve("explicit");
        TestData.cifar10(explicit, 1);
        explicit.resolve("data_batch_2.bin").toFile().delete();
        explicit.resolve("test_batch.bin").toFile().delete();
        DataLocator loc = locator(Map.of());
        String msg = assertThrows(DatasetException.class, () -> loc.locate(DatasetKind.CIFAR10, explicit)).getMessage();
        assertTrue(msg.startsWith("CIFAR-10 data not found. Looked in:\n"), msg);
        assertTrue(msg.contains("--data-dir: " + explicit + " (missing data_batch_2.bin, test_batch.bin)"), msg);
        assertTrue(msg.contains("--data-dir: " + explicit.resolve("cifar-10-batches-bin") + " (does not exist)"), msg);
        assertTrue(msg.contains("MGIAD_DATA: (not set)"), msg);
        assertTrue(msg.contains("cache: " + home().resolve(".cache/mgiad/datasets/cifar-10-batches-bin")), msg);
        assertTrue(msg.contains("Debian package: " + sys().resolve("cifar10")), msg);
        assertTrue(msg.contains("--download"), msg);
        assertTrue(msg.contains("https://www.cs.toronto.edu/~kriz/cifar.html"), msg);

        String fm = assertThrows(DatasetException.class,
                () -> locator(Map.of("MGIAD_DATA", "/no/such")).locate(DatasetKind.FASHION_MNIST, null)).getMessage();
        assertTrue(fm.contains("--data-dir: (not given)"), fm);
        assertTrue(fm.contains("MGIAD_DATA: /no/such (does not exist)"), fm);
        assertTrue(fm.contains("MGIAD_DATA: /no/such/fashion-mnist (does not exist)"), fm);
        assertTrue(fm.contains("apt-get install dataset-fashion-mnist"), fm);
        assertTrue(fm.contains(sys().resolve("fashion-mnist/data").toString()), fm);
    }

    @Test
    void candidateOrder() {
        var c = locator(Map.of("MGIAD_DATA", "/e")).candidates(DatasetKind.FASHION_MNIST, Path.of("/x"));
        assertEquals(Path.of("/x"), c.get(0).dir());
        assertEquals(Path.of("/x/fashion-mnist"), c.get(1).dir());
        assertEquals(Path.of("/e"), c.get(2).dir());
        assertEquals(Path.of("/e/fashion-mnist"), c.get(3).dir());
        assertEquals("cache", c.get(4).source());
        assertEquals(sys().resolve("fashion-mnist"), c.get(5).dir());
        assertEquals(sys().resolve("fashion-mnist/data"), c.get(6).dir());
        assertEquals(7, c.size());
    }
}
