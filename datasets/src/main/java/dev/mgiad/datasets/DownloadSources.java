package dev.mgiad.datasets;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where each data set officially comes from and the MD5 sums its authors published.
 *
 * <p>MD5 is used (not a stronger hash) only because it is what the authors publish; it guards
 * against truncated or corrupted transfers and wrong files behind a mirror, which is the point.
 */
public final class DownloadSources {
    private DownloadSources() {}

    /**
     * One file to fetch.
     *
     * @param fileName the name on the server and, for plain files, in the data folder
     * @param officialUrl where the authors host it
     * @param md5 the published checksum, lower-case hex
     * @param tarGz true for an archive whose {@code <folderName>/} entries are unpacked into the data folder
     */
    public record Artifact(String fileName, URI officialUrl, String md5, boolean tarGz) {}

    private static final String FASHION_BASE = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/";
    private static final String KRIZ_BASE = "https://www.cs.toronto.edu/~kriz/";

    public static List<Artifact> artifacts(DatasetKind kind) {
        return switch (kind) {
            case FASHION_MNIST -> List.of(
                    plain(FASHION_BASE, "train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
                    plain(FASHION_BASE, "train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
                    plain(FASHION_BASE, "t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
                    plain(FASHION_BASE, "t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"));
            case CIFAR10 -> List.of(new Artifact("cifar-10-binary.tar.gz",
                    URI.create(KRIZ_BASE + "cifar-10-binary.tar.gz"), "c32a1d4ab5d03f1284b67883e8d87530", true));
            case CIFAR100 -> List.of(new Artifact("cifar-100-binary.tar.gz",
                    URI.create(KRIZ_BASE + "cifar-100-binary.tar.gz"), "03b5dce01913d631647c71ecec9e9cb8", true));
        };
    }

    /** The page a person should visit to fetch the data by hand. */
    public static URI homepage(DatasetKind kind) {
        return switch (kind) {
            case FASHION_MNIST -> URI.create("https://github.com/zalandoresearch/fashion-mnist");
            case CIFAR10, CIFAR100 -> URI.create(KRIZ_BASE + "cifar.html");
        };
    }

    /** Published checksums of every artifact, keyed by file name; the default table of {@link Downloader}. */
    public static Map<String, String> officialMd5() {
        Map<String, String> m = new LinkedHashMap<>();
        for (DatasetKind k : DatasetKind.values()) {
            for (Artifact a : artifacts(k)) {
                m.put(a.fileName(), a.md5());
            }
        }
        return Map.copyOf(m);
    }

    private static Artifact plain(String base, String name, String md5) {
        return new Artifact(name, URI.create(base + name), md5, false);
    }
}
