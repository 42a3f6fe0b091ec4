package dev.mgiad.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/** Where the data set is found ({@code --data-dir}, {@code --download}), shared by train and eval. */
public final class DataOptions {
    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Where the data set is (else $MGIAD_DATA, ~/.cache/mgiad/datasets, /usr/share/datasets).")
    Path dataDir;

    @Option(names = "--download", description = "Download the data set into the cache if it is found nowhere (checksums verified).")
    boolean download;
}
