package dev.mgiad.datasets;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipException;

/**
 * File helpers shared by the readers, so that every reader reports missing files and I/O
 * failures with the same wording and none lets a raw {@link IOException} escape.
 */
final class DataFiles {
    private DataFiles() {}

    static String name(Path file) {
        Path n = file.getFileName();
        return n == null ? file.toString() : n.toString();
    }

    /** Fails with the full path, because "not found" is only actionable when the user sees where we looked. */
    static void requireFile(Path file) {
        if (!Files.isRegularFile(file)) {
            if (Files.isDirectory(file)) {
                throw new DatasetException(file + ": is a directory, expected a data file");
            }
            throw new DatasetException(file + ": file not found");
        }
        if (!Files.isReadable(file)) {
            throw new DatasetException(file + ": file is not readable (permission denied)");
        }
    }

    /** Returns the first of the given files that exists, or fails naming all of them. */
    static Path firstExisting(Path... candidates) {
        for (Path p : candidates) {
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        StringBuilder sb = new StringBuilder();
        for (Path p : candidates) {
            sb.append(sb.isEmpty() ? "" : " or ").append(p);
        }
        throw new DatasetException(sb + ": file not found");
    }

    static boolean isGzipName(Path file) {
        return name(file).endsWith(".gz");
    }

    /**
     * Opens a file, transparently gunzipping it when its name ends in {@code .gz} or its first
     * bytes are the gzip magic. Sniffing the magic lets a file that was decompressed but kept its
     * name, or the other way round, still be read.
     */
    static InputStream open(Path file) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        try {
            raw.mark(2);
            int b0 = raw.read();
            int b1 = raw.read();
            raw.reset();
            if (isGzipName(file) || (b0 == 0x1f && b1 == 0x8b)) {
                return new BufferedInputStream(new StrictGzipInputStream(raw), 1 << 16);
            }
            return raw;
        } catch (IOException | RuntimeException e) {
            raw.close();
            throw e;
        }
    }

    static boolean isGzip(Path file) {
        if (isGzipName(file)) {
            return true;
        }
        try (InputStream in = Files.newInputStream(file)) {
            return in.read() == 0x1f && in.read() == 0x8b;
        } catch (IOException e) {
            return false;
        }
    }

    /** Turns an I/O failure while reading {@code file} into a message that says what probably happened. */
    static DatasetException readError(Path file, IOException e) {
        String n = name(file);
        if (e instanceof NoSuchFileException) {
            return new DatasetException(file + ": file not found", e);
        }
        if (e instanceof AccessDeniedException) {
            return new DatasetException(file + ": file is not readable (permission denied)", e);
        }
        if (isGzip(file) && (e instanceof ZipException || e instanceof EOFException)) {
            String detail = e instanceof EOFException ? "compressed data ends early" : String.valueOf(e.getMessage());
            return new DatasetException(n + ": corrupt gzip data (" + detail + ")", e);
        }
        return new DatasetException(n + ": read error: " + e, e);
    }

    /**
     * Reads a names file (one name per line, blank lines ignored) if it exists, else returns the
     * defaults. A names file with the wrong number of entries is an error rather than being
     * silently ignored, because it means the folder holds a different data set than expected.
     */
    static List<String> readNames(Path file, List<String> defaults) {
        if (!Files.exists(file)) {
            return defaults;
        }
        List<String> names;
        try {
            names = Files.readAllLines(file, StandardCharsets.UTF_8).stream()
                    .map(String::strip).filter(s -> !s.isEmpty()).toList();
        } catch (IOException e) {
            throw readError(file, e);
        }
        if (names.size() != defaults.size()) {
            throw new DatasetException(name(file) + ": " + names.size() + " class names, expected " + defaults.size());
        }
        return names;
    }
}
