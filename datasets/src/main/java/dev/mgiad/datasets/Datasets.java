package dev.mgiad.datasets;

import java.nio.file.Path;
import java.util.Optional;

/**
 * One call from "which data set" to the data in memory: locate, download if asked and needed, read.
 *
 * <p>The static {@link #load} is what the command line uses; an instance lets tests and tools
 * swap in their own locator, downloader, or a lenient reader.
 */
public final class Datasets {
    private final DataLocator locator;
    private final Downloader downloader;
    private final boolean strictCounts;

    public Datasets(DataLocator locator, Downloader downloader, boolean strictCounts) {
        this.locator = locator;
        this.downloader = downloader;
        this.strictCounts = strictCounts;
    }

    /**
     * Loads a split using the real environment.
     *
     * @param dataDir the {@code --data-dir} value, or null
     * @param download fetch into the per-user cache when the data is nowhere to be found
     */
    public static ImageDataset load(DatasetKind kind, Path dataDir, boolean download, boolean train) {
        return new Datasets(new DataLocator(), new Downloader(), true).get(kind, dataDir, download, train);
    }

    /** Instance form of {@link #load}. */
    public ImageDataset get(DatasetKind kind, Path dataDir, boolean download, boolean train) {
        return DatasetReader.of(kind, strictCounts).read(resolve(kind, dataDir, download), train);
    }

    /**
     * The folder the data is read from, downloading into the cache first when allowed and needed.
     * Downloads always go to the cache, never into {@code dataDir}, so a mistyped {@code --data-dir}
     * cannot scatter files in an unexpected place.
     */
    public Path resolve(DatasetKind kind, Path dataDir, boolean download) {
        Optional<Path> found = locator.find(kind, dataDir);
        if (found.isPresent()) {
            return found.get();
        }
        if (!download) {
            throw locator.notFound(kind, dataDir);
        }
        return downloader.download(kind, locator.cacheDir(kind));
    }
}
