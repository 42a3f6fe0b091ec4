package dev.mgiad.datasets;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds the folder that holds a data set, trying the places a user is likely to have put it.
 *
 * <p>The order is: the explicit {@code --data-dir}, the {@code MGIAD_DATA} environment variable,
 * the per-user cache (where {@code --download} writes), and finally the Debian package location.
 * An explicit or environment folder may be either the data folder itself or its parent, so that
 * one setting (e.g. {@code ../shared/data}) serves every data set. A folder counts only when all
 * the files of the data set are there, so a half-copied folder is skipped and reported rather
 * than failing later in the reader.
 *
 * <p>The environment, home folder and system root are constructor parameters so tests can point
 * them at temporary folders without touching the real machine.
 */
public final class DataLocator {
    public static final String ENV_DATA = "MGIAD_DATA";
    public static final Path DEBIAN_ROOT = Path.of("/usr/share/datasets");

    private final Map<String, String> env;
    private final Path home;
    private final Path systemRoot;

    /** A place that was (or would be) searched, with the reason it was tried. */
    public record Candidate(String source, Path dir) {}

    /** Uses the real environment, home folder and {@code /usr/share/datasets}. */
    public DataLocator() {
        this(System.getenv(), Path.of(System.getProperty("user.home")), DEBIAN_ROOT);
    }

    public DataLocator(Map<String, String> env, Path home) {
        this(env, home, DEBIAN_ROOT);
    }

    /** @param systemRoot stands in for {@code /usr/share/datasets} */
    public DataLocator(Map<String, String> env, Path home, Path systemRoot) {
        this.env = Map.copyOf(env);
        this.home = home;
        this.systemRoot = systemRoot;
    }

    /** The per-user cache folder of a data set: {@code ${XDG_CACHE_HOME:-~/.cache}/mgiad/datasets/<folder>}. */
    public Path cacheDir(DatasetKind kind) {
        return cacheRoot().resolve(kind.folderName());
    }

    /** The folder that holds all cached data sets. Per the XDG spec a relative XDG_CACHE_HOME is ignored. */
    public Path cacheRoot() {
        String xdg = env.get("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute() ? Path.of(xdg) : home.resolve(".cache");
        return base.resolve("mgiad").resolve("datasets");
    }

    /** Every place searched, in order. {@code explicitDir} may be null. */
    public List<Candidate> candidates(DatasetKind kind, Path explicitDir) {
        List<Candidate> out = new ArrayList<>();
        if (explicitDir != null) {
            addBoth(out, "--data-dir", explicitDir, kind);
        }
        String envDir = env.get(ENV_DATA);
        if (envDir != null && !envDir.isBlank()) {
            addBoth(out, ENV_DATA, Path.of(envDir), kind);
        }
        out.add(new Candidate("cache", cacheDir(kind)));
        Path sys = systemRoot.resolve(kind.cliName());
        out.add(new Candidate("Debian package", sys));
        out.add(new Candidate("Debian package", sys.resolve("data")));
        if (!kind.folderName().equals(kind.cliName())) {
            out.add(new Candidate("Debian package", sys.resolve(kind.folderName())));
        }
        return out;
    }

    private static void addBoth(List<Candidate> out, String source, Path dir, DatasetKind kind) {
        out.add(new Candidate(source, dir));
        out.add(new Candidate(source, dir.resolve(kind.folderName())));
    }

    /** The first candidate holding every file of the data set, if any. */
    public Optional<Path> find(DatasetKind kind, Path explicitDir) {
        for (Candidate c : candidates(kind, explicitDir)) {
            if (missingFiles(kind, c.dir()).isEmpty()) {
                return Optional.of(c.dir());
            }
        }
        return Optional.empty();
    }

    /** Like {@link #find} but fails with a message listing every place looked at and how to get the data. */
    public Path locate(DatasetKind kind, Path explicitDir) {
        return find(kind, explicitDir).orElseThrow(() -> notFound(kind, explicitDir));
    }

    /** The error for a data set that is nowhere; public so that callers can raise it after a failed fallback. */
    public DatasetException notFound(DatasetKind kind, Path explicitDir) {
        StringBuilder sb = new StringBuilder();
        sb.append(kind.displayName()).append(" data not found. Looked in:\n");
        if (explicitDir == null) {
            sb.append("  --data-dir: (not given)\n");
        }
        String envDir = env.get(ENV_DATA);
        if (envDir == null || envDir.isBlank()) {
            sb.append("  ").append(ENV_DATA).append(": (not set)\n");
        }
        for (Candidate c : candidates(kind, explicitDir)) {
            sb.append("  ").append(c.source()).append(": ").append(c.dir()).append(" (").append(why(kind, c.dir()))
                    .append(")\n");
        }
        sb.append("To get the data: rerun with --download (saves to ").append(cacheDir(kind)).append(")");
        if (kind == DatasetKind.FASHION_MNIST) {
            sb.append(", or install the Debian package (apt-get install dataset-fashion-mnist)");
        }
        sb.append(", or fetch it from ").append(DownloadSources.homepage(kind))
                .append(" and pass --data-dir or set ").append(ENV_DATA).append('.');
        return new DatasetException(sb.toString());
    }

    private static String why(DatasetKind kind, Path dir) {
        if (!Files.exists(dir)) {
            return "does not exist";
        }
        if (!Files.isDirectory(dir)) {
            return "not a directory";
        }
        if (!Files.isReadable(dir) || !Files.isExecutable(dir)) {
            return "permission denied";
        }
        List<String> missing = missingFiles(kind, dir);
        return missing.size() == kind.dataFiles().size() ? "no " + kind.displayName() + " files"
                : "missing " + String.join(", ", missing);
    }

    /**
     * The data files of {@code kind} that {@code dir} lacks; an IDX file counts as present
     * gzipped or not.
     */
    public static List<String> missingFiles(DatasetKind kind, Path dir) {
        List<String> missing = new ArrayList<>();
        for (String f : kind.dataFiles()) {
            boolean present = Files.isRegularFile(dir.resolve(f))
                    || (f.endsWith(".gz") && Files.isRegularFile(dir.resolve(f.substring(0, f.length() - 3))));
            if (!present) {
                missing.add(f);
            }
        }
        return missing;
    }
}
