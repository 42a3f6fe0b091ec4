package dev.mgiad.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Serves synthetic files from a loopback-only HTTP server; nothing here reaches the network. */
class DownloaderTest {
    @TempDir Path tmp;
    private HttpServer server;
    private final Map<String, byte[]> files = new ConcurrentHashMap<>();
    private final AtomicInteger requests = new AtomicInteger();
    private final List<String> log = new ArrayList<>();
    private URI base;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/mirror/", ex -> {
            requests.incrementAndGet();
            String name = ex.getRequestURI().getPath().substring("/mirror/".length());
            byte[] body = files.get(name);
            if (body == null) {
                ex.sendResponseHeaders(404, -1);
            } else {
                ex.sendResponseHeaders(200, body.length);
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(body);
                }
            }
            ex.close();
        });
        server.createContext("/stall/", ex -> {
            // a mirror that sends the headers and 1,000 bytes, then nothing until the test ends
            ex.sendResponseHeaders(200, 100_000);
            OutputStream out = ex.getResponseBody();
            out.write(new byte[1000]);
            out.flush();
            try {
                release.await(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException ignored) {
                // server stopping
            }
            ex.close();
        });
        server.start();
        base = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/mirror");
    }

    private final java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);

    @AfterEach
    void stop() {
        release.countDown();
        server.stop(0);
    }

    private Map<String, String> serveFashion() {
        Path src = tmp.resolve("src");
        TestData.fashion(src, new int[] {3, 1, 4}, new int[] {1, 5});
        Map<String, String> md5 = new HashMap<>();
        for (String name : DatasetKind.FASHION_MNIST.dataFiles()) {
            try {
                byte[] data = Files.readAllBytes(src.resolve(name));
                files.put(name, data);
                md5.put(name, TestData.md5(data));
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        }
        return md5;
    }

    private Downloader downloader(Map<String, String> md5) {
        return new Downloader(base, md5, log::add);
    }

    private static List<String> listing(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString()).sorted().toList();
        }
    }

    @Test
    void fetchesFashionMnistAndVerifiesChecksums() throws IOException {
        Map<String, String> md5 = serveFashion();
        Path target = tmp.resolve("cache/fashion-mnist");
        assertEquals(target, downloader(md5).download(DatasetKind.FASHION_MNIST, target));
        assertEquals(DatasetKind.FASHION_MNIST.dataFiles().stream().sorted().toList(), listing(target));
        assertArrayEquals(new int[] {3, 1, 4}, new FashionMnistReader(false).read(target, true).labels());
        assertEquals(4, requests.get());
        assertTrue(log.stream().anyMatch(l -> l.startsWith("downloading http://127.0.0.1:")), log.toString());

        downloader(md5).download(DatasetKind.FASHION_MNIST, target); // second run: all present and verified
        assertEquals(4, requests.get());
    }

    @Test
    void checksumMismatchLeavesNothingBehind() throws IOException {
        Map<String, String> md5 = serveFashion();
        md5.put("train-labels-idx1-ubyte.gz", "00000000000000000000000000000000");
        Path target = tmp.resolve("cache/fashion-mnist");
        String msg = assertThrows(DatasetException.class,
                () -> downloader(md5).download(DatasetKind.FASHION_MNIST, target)).getMessage();
        assertEquals("checksum mismatch for train-labels-idx1-ubyte.gz from " + base
                + "/train-labels-idx1-ubyte.gz: md5 " + TestData.md5(files.get("train-labels-idx1-ubyte.gz"))
                + ", expected 00000000000000000000000000000000; the download was deleted", msg);
        // the file fetched before the bad one is complete and verified; the bad one and any temp file are gone
        assertEquals(List.of("train-images-idx3-ubyte.gz"), listing(target));
    }

    @Test
    void mismatchOfTheOnlyFileLeavesAnEmptyFolder() throws IOException {
        Map<String, String> md5 = serveFashion();
        md5.put("train-images-idx3-ubyte.gz", "ffffffffffffffffffffffffffffffff");
        Path target = tmp.resolve("cache/fashion-mnist");
        assertThrows(DatasetException.class, () -> downloader(md5).download(DatasetKind.FASHION_MNIST, target));
        assertEquals(List.of(), listing(target));
    }

    @Test
    void httpErrorIsReported() {
        Map<String, String> md5 = serveFashion();
        files.remove("t10k-images-idx3-ubyte.gz");
        Path target = tmp.resolve("cache/fashion-mnist");
        String msg = assertThrows(DatasetException.class,
                () -> downloader(md5).download(DatasetKind.FASHION_MNIST, target)).getMessage();
        assertEquals("download of " + base + "/t10k-images-idx3-ubyte.gz failed: HTTP 404", msg);
        assertFalse(Files.exists(target.resolve("t10k-images-idx3-ubyte.gz")));
    }

    @Test
    void unknownChecksumIsRefused() {
        serveFashion();
        String msg = assertThrows(DatasetException.class,
                () -> downloader(Map.of()).download(DatasetKind.FASHION_MNIST, tmp.resolve("c"))).getMessage();
        assertEquals("train-images-idx3-ubyte.gz: no checksum known; refusing to use unverified data", msg);
    }

    @Test
    void fetchesAndUnpacksCifar10Archive() throws IOException {
        TestData.Tar tar = new TestData.Tar().dir("cifar-10-batches-bin/");
        for (String name : Cifar10Reader.fileNames(true)) {
            tar.file("cifar-10-batches-bin/" + name, TestData.cifar10Batch(0, 2));
        }
        tar.file("cifar-10-batches-bin/test_batch.bin", TestData.cifar10Batch(0, 3));
        tar.file("cifar-10-batches-bin/batches.meta.txt", "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n".getBytes());
        byte[] archive = TestData.gzip(tar.bytes());
        files.put("cifar-10-binary.tar.gz", archive);
        Path cacheRoot = tmp.resolve("cache");
        Path target = cacheRoot.resolve("cifar-10-batches-bin");
        downloader(Map.of("cifar-10-binary.tar.gz", TestData.md5(archive))).download(DatasetKind.CIFAR10, target);
        assertEquals(List.of("cifar-10-batches-bin"), listing(cacheRoot).stream().map(s -> s.split("/")[0]).distinct().toList());
        assertEquals(7, listing(target).size());
        ImageDataset test = new Cifar10Reader(false).read(target, false);
        assertEquals(3, test.count());
        assertEquals("j", test.classNames().get(9));
    }

    @Test
    void badArchiveChecksumLeavesNoArchiveOrFolderContent() throws IOException {
        files.put("cifar-100-binary.tar.gz", TestData.gzip(new TestData.Tar().file("x", new byte[1]).bytes()));
        Path cacheRoot = tmp.resolve("cache");
        Path target = cacheRoot.resolve("cifar-100-binary");
        assertThrows(DatasetException.class, () -> downloader(Map.of("cifar-100-binary.tar.gz", "0".repeat(32)))
                .download(DatasetKind.CIFAR100, target));
        assertEquals(List.of(), listing(cacheRoot));
    }

    @Test
    void archiveWithoutTheExpectedFolderIsAnError() throws IOException {
        byte[] archive = TestData.gzip(new TestData.Tar().file("other/train.bin", new byte[1]).bytes());
        files.put("cifar-100-binary.tar.gz", archive);
        Path cacheRoot = tmp.resolve("cache");
        String msg = assertThrows(DatasetException.class,
                () -> downloader(Map.of("cifar-100-binary.tar.gz", TestData.md5(archive)))
                        .download(DatasetKind.CIFAR100, cacheRoot.resolve("cifar-100-binary"))).getMessage();
        assertEquals("cifar-100-binary.tar.gz: archive lacks cifar-100-binary/train.bin, cifar-100-binary/test.bin", msg);
        assertEquals(List.of(), listing(cacheRoot));
    }

    @Test
    void aStalledDownloadIsAbandonedWithProgressNamed() {
        Map<String, String> md5 = serveFashion();
        URI stall = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/stall");
        Downloader d = new Downloader(stall, md5, log::add, java.time.Duration.ofMillis(500));
        long t0 = System.nanoTime();
        DatasetException e = assertThrows(DatasetException.class, () -> d.download(DatasetKind.FASHION_MNIST, tmp.resolve("out")));
        assertTrue((System.nanoTime() - t0) / 1e9 < 10, "the stall must end the download promptly");
        assertTrue(e.getMessage().contains("stalled: nothing received for 0.500 s after 0.0 MB of 0.1 MB (1%)"), e.getMessage());
        try (Stream<Path> s = Files.list(tmp.resolve("out"))) {
            assertEquals(0, s.count(), "no partial file is left");
        } catch (IOException io) {
            throw new RuntimeException(io);
        }
    }

    @Test
    void malformedMirrorVariableIsNamedAndOnlyMattersWhenDownloading() {
        DatasetException e = assertThrows(DatasetException.class,
                () -> Downloader.mirrorFrom(Map.of(Downloader.ENV_MIRROR, "http://bad host/")));
        assertTrue(e.getMessage().startsWith(Downloader.ENV_MIRROR + "='http://bad host/' is not a valid URL"), e.getMessage());
        e = assertThrows(DatasetException.class, () -> Downloader.mirrorFrom(Map.of(Downloader.ENV_MIRROR, "ftp://x/")));
        assertTrue(e.getMessage().contains("must be an http:// or https:// URL"), e.getMessage());
        new Downloader(); // reading the variable is deferred to the first download
    }

    @Test
    void mirrorComesFromEnvironmentAndDefaultsToOfficialUrls() {
        var a = DownloadSources.artifacts(DatasetKind.CIFAR10).getFirst();
        assertEquals(URI.create("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"),
                new Downloader(null, Map.of(), s -> {}).urlOf(a));
        URI m = Downloader.mirrorFrom(Map.of(Downloader.ENV_MIRROR, "http://127.0.0.1:9/m"));
        assertEquals(URI.create("http://127.0.0.1:9/m/cifar-10-binary.tar.gz"),
                new Downloader(m, Map.of(), s -> {}).urlOf(a));
        assertEquals(null, Downloader.mirrorFrom(Map.of()));
        assertEquals("8d4fb7e6c68d591d4c3dfef9ec88bf0d", DownloadSources.officialMd5().get("train-images-idx3-ubyte.gz"));
        assertEquals("03b5dce01913d631647c71ecec9e9cb8", DownloadSources.officialMd5().get("cifar-100-binary.tar.gz"));
    }

    @Test
    void facadeDownloadsIntoTheCacheOnlyWhenAsked() {
        Map<String, String> md5 = serveFashion();
        Path home = tmp.resolve("home");
        DataLocator loc = new DataLocator(Map.of(), home, tmp.resolve("sys"));
        Datasets ds = new Datasets(loc, downloader(md5), false);
        assertThrows(DatasetException.class, () -> ds.get(DatasetKind.FASHION_MNIST, null, false, true));
        assertEquals(0, requests.get());
        ImageDataset test = ds.get(DatasetKind.FASHION_MNIST, null, true, false);
        assertArrayEquals(new int[] {1, 5}, test.labels());
        assertTrue(Files.exists(home.resolve(".cache/mgiad/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz")));
        assertEquals(4, requests.get());
        ds.get(DatasetKind.FASHION_MNIST, null, true, true); // found in the cache now
        assertEquals(4, requests.get());
    }
}
