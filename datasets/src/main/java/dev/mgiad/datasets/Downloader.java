package dev.mgiad.datasets;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * Fetches a data set's official files into a folder, verifying the published MD5 sums.
 *
 * <p>Every file is first written to a temporary name in the destination's own folder and only
 * moved into place (atomically where the file system allows) once its checksum is right, so an
 * interrupted or corrupt download never leaves a file that looks complete. Archives are unpacked
 * into a temporary folder and their files moved in one by one, for the same reason.
 *
 * <p>The base URL can be replaced by a mirror (constructor or {@code MGIAD_DATA_MIRROR}) that
 * serves all files flat under one URL; that is also how tests point it at a local server.
 */
public final class Downloader {
    public static final String ENV_MIRROR = "MGIAD_DATA_MIRROR";
    /** How long a download may receive nothing before it is abandoned (a stalled mirror must not hang a run). */
    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(60);
    /** Progress is logged at most this often. */
    private static final long PROGRESS_NANOS = 5_000_000_000L;

    private final java.util.function.Supplier<URI> mirror;
    private final Map<String, String> md5ByFileName;
    private final Consumer<String> log;
    private final Duration readTimeout;

    /**
     * Official sources (or {@code MGIAD_DATA_MIRROR} if set), official checksums, progress to stderr. The variable
     * is read only when something is fetched, so a malformed value cannot break a run that downloads nothing.
     */
    public Downloader() {
        this(() -> mirrorFrom(System.getenv()), DownloadSources.officialMd5(), System.err::println, DEFAULT_READ_TIMEOUT);
    }

    /**
     * @param mirror base URL serving every file by its name, or null for the official URLs
     * @param md5ByFileName expected checksum of each file; tests pass their own
     * @param log receives one line per step, since a download can take minutes
     */
    public Downloader(URI mirror, Map<String, String> md5ByFileName, Consumer<String> log) {
        this(mirror, md5ByFileName, log, DEFAULT_READ_TIMEOUT);
    }

    /** As above, abandoning a download that receives nothing for {@code readTimeout}. */
    public Downloader(URI mirror, Map<String, String> md5ByFileName, Consumer<String> log, Duration readTimeout) {
        this(() -> mirror, md5ByFileName, log, readTimeout);
    }

    private Downloader(java.util.function.Supplier<URI> mirror, Map<String, String> md5ByFileName, Consumer<String> log,
                       Duration readTimeout) {
        this.mirror = mirror;
        this.md5ByFileName = Map.copyOf(md5ByFileName);
        this.log = log;
        this.readTimeout = readTimeout;
    }

    /** The mirror named by {@code MGIAD_DATA_MIRROR} in {@code env}, or null; a malformed value names the variable. */
    public static URI mirrorFrom(Map<String, String> env) {
        String m = env.get(ENV_MIRROR);
        if (m == null || m.isBlank()) {
            return null;
        }
        URI u;
        try {
            u = new URI(m.strip());
        } catch (java.net.URISyntaxException e) {
            throw new DatasetException(ENV_MIRROR + "='" + m + "' is not a valid URL: " + e.getMessage());
        }
        if (!u.isAbsolute() || !("http".equalsIgnoreCase(u.getScheme()) || "https".equalsIgnoreCase(u.getScheme()))
                || u.getHost() == null) {
            throw new DatasetException(ENV_MIRROR + "='" + m + "' must be an http:// or https:// URL with a host");
        }
        return u;
    }

    private static URI withSlash(URI u) {
        String s = u.toString();
        return s.endsWith("/") ? u : URI.create(s + "/");
    }

    /** Where a file is fetched from. */
    public URI urlOf(DownloadSources.Artifact a) {
        URI m = mirror.get();
        return m == null ? a.officialUrl() : withSlash(m).resolve(a.fileName());
    }

    /**
     * Makes {@code targetDir} hold every file of {@code kind}, fetching what is missing.
     * Files already present with the right checksum are not fetched again.
     *
     * @return {@code targetDir}
     */
    public Path download(DatasetKind kind, Path targetDir) {
        try {
            Files.createDirectories(targetDir);
        } catch (IOException e) {
            throw new DatasetException(targetDir + ": cannot create download folder: " + e.getMessage(), e);
        }
        try (HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(30)).build()) {
            for (DownloadSources.Artifact a : DownloadSources.artifacts(kind)) {
                if (a.tarGz()) {
                    fetchArchive(http, kind, a, targetDir);
                } else {
                    fetchPlain(http, a, targetDir);
                }
            }
        }
        List<String> missing = DataLocator.missingFiles(kind, targetDir);
        if (!missing.isEmpty()) {
            throw new DatasetException(targetDir + ": still missing " + String.join(", ", missing) + " after download");
        }
        return targetDir;
    }

    private void fetchPlain(HttpClient http, DownloadSources.Artifact a, Path dir) {
        Path target = dir.resolve(a.fileName());
        String want = expectedMd5(a);
        if (Files.isRegularFile(target) && want.equalsIgnoreCase(md5Of(target))) {
            log.accept(a.fileName() + ": already present, checksum ok");
            return;
        }
        Path tmp = fetchVerified(http, a, dir, want);
        try {
            moveInto(tmp, target);
        } finally {
            deleteQuietly(tmp);
        }
    }

    private void fetchArchive(HttpClient http, DatasetKind kind, DownloadSources.Artifact a, Path dir) {
        Path parent = dir.toAbsolutePath().getParent();
        Path tmp = fetchVerified(http, a, parent, expectedMd5(a));
        Path unpack = null;
        try {
            unpack = Files.createTempDirectory(parent, ".unpack-" + kind.folderName() + "-");
            log.accept(a.fileName() + ": unpacking");
            try (InputStream in = new GZIPInputStream(new BufferedInputStream(Files.newInputStream(tmp), 1 << 16))) {
                TarExtractor.extract(in, unpack, a.fileName());
            }
            Path src = unpack.resolve(kind.folderName());
            List<String> missing = DataLocator.missingFiles(kind, src);
            if (!missing.isEmpty()) {
                throw new DatasetException(a.fileName() + ": archive lacks " + kind.folderName() + "/"
                        + String.join(", " + kind.folderName() + "/", missing));
            }
            try (Stream<Path> files = Files.list(src)) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    moveInto(f, dir.resolve(f.getFileName().toString()));
                }
            }
        } catch (IOException e) {
            throw new DatasetException(a.fileName() + ": cannot unpack: " + e, e);
        } finally {
            deleteQuietly(tmp);
            deleteTree(unpack);
        }
    }

    /** Downloads into a temporary file in {@code dir}; returns it only when the checksum matches. */
    private Path fetchVerified(HttpClient http, DownloadSources.Artifact a, Path dir, String want) {
        URI url = urlOf(a);
        Path tmp = null;
        boolean ok = false;
        try {
            tmp = Files.createTempFile(dir, "." + a.fileName() + ".", ".part");
            log.accept("downloading " + url);
            HttpRequest req = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(60)).GET().build();
            HttpResponse<InputStream> resp = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
            MessageDigest md5 = md5();
            try (InputStream body = resp.body()) {
                if (resp.statusCode() != 200) {
                    throw new DatasetException("download of " + url + " failed: HTTP " + resp.statusCode());
                }
                long length = resp.headers().firstValueAsLong("content-length").orElse(-1);
                try (InputStream in = new DigestInputStream(body, md5); OutputStream out = Files.newOutputStream(tmp)) {
                    copyWatched(in, body, out, a.fileName(), url, length);
                }
            }
            String got = HexFormat.of().formatHex(md5.digest());
            if (!got.equalsIgnoreCase(want)) {
                throw new DatasetException("checksum mismatch for " + a.fileName() + " from " + url + ": md5 " + got
                        + ", expected " + want + "; the download was deleted");
            }
            log.accept(a.fileName() + ": checksum ok");
            ok = true;
            return tmp;
        } catch (IOException e) {
            throw new DatasetException("download of " + url + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DatasetException("download of " + url + " interrupted", e);
        } finally {
            if (!ok) {
                deleteQuietly(tmp);
            }
        }
    }

    /**
     * Copies the body, logging progress, and abandons the download when nothing arrives for {@link #readTimeout}:
     * the HTTP client has no read timeout of its own once the headers are in, so a watchdog closes the body, which
     * wakes the blocked read.
     */
    private void copyWatched(InputStream in, InputStream body, OutputStream out, String name, URI url, long length)
            throws IOException {
        java.util.concurrent.atomic.AtomicLong lastProgress = new java.util.concurrent.atomic.AtomicLong(System.nanoTime());
        java.util.concurrent.atomic.AtomicBoolean stalled = new java.util.concurrent.atomic.AtomicBoolean();
        long limit = readTimeout.toNanos();
        Thread watchdog = Thread.ofPlatform().daemon().name("mgiad-download-watchdog").start(() -> {
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    Thread.sleep(Math.max(10, readTimeout.toMillis() / 10));
                    if (System.nanoTime() - lastProgress.get() > limit) {
                        stalled.set(true);
                        body.close();
                        return;
                    }
                }
            } catch (InterruptedException | IOException e) {
                // finished, or closing failed: the read ends either way
            }
        });
        long done = 0, lastLog = System.nanoTime();
        byte[] buf = new byte[1 << 16];
        try {
            for (int r; (r = in.read(buf)) >= 0; ) {
                out.write(buf, 0, r);
                done += r;
                long now = System.nanoTime();
                lastProgress.set(now);
                if (now - lastLog > PROGRESS_NANOS) {
                    lastLog = now;
                    log.accept(name + ": " + progress(done, length));
                }
            }
        } catch (IOException e) {
            if (stalled.get()) {
                throw new DatasetException("download of " + url + " stalled: nothing received for "
                        + String.format(java.util.Locale.ROOT, "%.3g", readTimeout.toMillis() / 1000.0) + " s after " + progress(done, length) + "; the partial file was deleted, try again or set "
                        + ENV_MIRROR, e);
            }
            throw e;
        } finally {
            watchdog.interrupt();
        }
        if (length >= 0 && done != length) {
            throw new DatasetException("download of " + url + " ended after " + done + " of " + length + " bytes");
        }
    }

    private static String progress(long done, long length) {
        String mb = String.format(java.util.Locale.ROOT, "%.1f MB", done / 1e6);
        return length > 0 ? mb + String.format(java.util.Locale.ROOT, " of %.1f MB (%d%%)", length / 1e6, 100 * done / length) : mb;
    }

    private String expectedMd5(DownloadSources.Artifact a) {
        String md5 = md5ByFileName.get(a.fileName());
        if (md5 == null) {
            throw new DatasetException(a.fileName() + ": no checksum known; refusing to use unverified data");
        }
        return md5;
    }

    static String md5Of(Path file) {
        MessageDigest md5 = md5();
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), md5)) {
            in.transferTo(OutputStream.nullOutputStream());
        } catch (IOException e) {
            return "";
        }
        return HexFormat.of().formatHex(md5.digest());
    }

    private static MessageDigest md5() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is required by every Java platform", e);
        }
    }

    private static void moveInto(Path from, Path to) throws DatasetException {
        try {
            try {
                Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new DatasetException(to + ": cannot move download into place: " + e, e);
        }
    }

    private static void deleteQuietly(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // best effort: a leftover hidden .part file is harmless
            }
        }
    }

    private static void deleteTree(Path root) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(Downloader::deleteQuietly);
        } catch (IOException ignored) {
            // best effort
        }
    }
}
