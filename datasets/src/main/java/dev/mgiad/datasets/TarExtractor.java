package dev.mgiad.datasets;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A minimal tar reader, enough for the CIFAR archives, so the module needs no compression library.
 *
 * <p>It understands ustar headers (with the name prefix), GNU long names and the {@code path}
 * and {@code size} keys of pax headers. Only regular files and directories are created: links
 * and devices are skipped, and any entry whose path is absolute or climbs out with {@code ..}
 * is rejected, because an archive from a mirror must not be able to write outside its folder.
 */
public final class TarExtractor {
    private static final int BLOCK = 512;

    private TarExtractor() {}

    /**
     * Unpacks an uncompressed tar stream into {@code destDir}.
     *
     * @param archiveName used in error messages only
     * @return the regular files written, in archive order
     */
    public static List<Path> extract(InputStream in, Path destDir, String archiveName) {
        return extract(in, destDir, archiveName, MAX_TOTAL_BYTES);
    }

    /**
     * Most bytes one archive may write: the data sets' archives unpack to 180 MB (CIFAR-10) and 160 MB (CIFAR-100),
     * so 2 GB leaves room while a crafted archive (its checksum accepted) cannot fill the disk.
     */
    public static final long MAX_TOTAL_BYTES = 2_000_000_000L;

    /** As {@link #extract(InputStream, Path, String)}, refusing archives that would write more than {@code maxBytes}. */
    static List<Path> extract(InputStream in, Path destDir, String archiveName, long maxBytes) {
        long total = 0;
        List<Path> written = new ArrayList<>();
        byte[] header = new byte[BLOCK];
        Path root = destDir.toAbsolutePath().normalize();
        String longName = null;
        String paxPath = null;
        long paxSize = -1;
        try {
            Files.createDirectories(root);
            while (true) {
                int got = in.readNBytes(header, 0, BLOCK);
                if (got == 0) {
                    break; // some writers omit the end-of-archive blocks
                }
                if (got < BLOCK) {
                    throw new DatasetException(archiveName + ": truncated tar archive (partial header)");
                }
                if (allZero(header)) {
                    break;
                }
                checkChecksum(header, archiveName);
                String name = string(header, 0, 100);
                if ("ustar".equals(string(header, 257, 5))) {
                    String prefix = string(header, 345, 155);
                    if (!prefix.isEmpty()) {
                        name = prefix + "/" + name;
                    }
                }
                long size = number(header, 124, 12, archiveName);
                char type = (char) header[156];
                if (longName != null) {
                    name = longName;
                    longName = null;
                }
                if (paxPath != null) {
                    name = paxPath;
                    paxPath = null;
                }
                if (paxSize >= 0) {
                    size = paxSize;
                    paxSize = -1;
                }
                switch (type) {
                    case 'L' -> longName = new String(readData(in, size, archiveName), StandardCharsets.UTF_8)
                            .replace("\0", "");
                    case 'x' -> {
                        String pax = new String(readData(in, size, archiveName), StandardCharsets.UTF_8);
                        paxPath = paxValue(pax, "path");
                        String s = paxValue(pax, "size");
                        paxSize = s == null ? -1 : Long.parseLong(s.strip());
                    }
                    case '0', '\0', '7' -> {
                        if (size < 0 || size > maxBytes - total) {
                            throw new DatasetException(archiveName + ": entry " + name + " of " + size + " bytes would take the archive past "
                                    + maxBytes + " bytes unpacked, more than any data set needs");
                        }
                        total += size;
                        Path target = safeResolve(root, name, archiveName);
                        Files.createDirectories(target.getParent());
                        try (OutputStream out = Files.newOutputStream(target)) {
                            copy(in, out, size, archiveName);
                        }
                        skipPadding(in, size, archiveName);
                        written.add(target);
                    }
                    case '5' -> {
                        if (!Path.of(name).normalize().toString().isEmpty()) { // "./" names the root itself
                            Files.createDirectories(safeResolve(root, name, archiveName));
                        }
                        skip(in, size, archiveName);
                    }
                    default -> skip(in, size, archiveName); // links, devices, global pax headers
                }
            }
        } catch (IOException | NumberFormatException e) {
            throw new DatasetException(archiveName + ": cannot extract: " + e, e);
        }
        return written;
    }

    private static Path safeResolve(Path root, String name, String archiveName) {
        Path rel = Path.of(name).normalize();
        Path target = root.resolve(rel).normalize();
        if (name.startsWith("/") || rel.isAbsolute() || !target.startsWith(root) || target.equals(root)) {
            throw new DatasetException(archiveName + ": unsafe path in archive: " + name);
        }
        return target;
    }

    private static String paxValue(String pax, String key) {
        // records are "<len> <key>=<value>\n"
        for (String line : pax.split("\n")) {
            int sp = line.indexOf(' ');
            int eq = line.indexOf('=');
            if (sp > 0 && eq > sp && line.substring(sp + 1, eq).equals(key)) {
                return line.substring(eq + 1);
            }
        }
        return null;
    }

    private static byte[] readData(InputStream in, long size, String archiveName) throws IOException {
        if (size > 1 << 20) {
            throw new DatasetException(archiveName + ": implausibly large extended header (" + size + " bytes)");
        }
        byte[] data = in.readNBytes((int) size);
        if (data.length < size) {
            throw new DatasetException(archiveName + ": truncated tar archive");
        }
        skipPadding(in, size, archiveName);
        return data;
    }

    private static void copy(InputStream in, OutputStream out, long size, String archiveName) throws IOException {
        byte[] buf = new byte[1 << 16];
        long left = size;
        while (left > 0) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (n < 0) {
                throw new DatasetException(archiveName + ": truncated tar archive (file data ends early)");
            }
            out.write(buf, 0, n);
            left -= n;
        }
    }

    private static void skip(InputStream in, long size, String archiveName) throws IOException {
        try {
            in.skipNBytes(size);
        } catch (EOFException e) {
            throw new DatasetException(archiveName + ": truncated tar archive", e);
        }
        skipPadding(in, size, archiveName);
    }

    private static void skipPadding(InputStream in, long size, String archiveName) throws IOException {
        long pad = (BLOCK - size % BLOCK) % BLOCK;
        try {
            in.skipNBytes(pad);
        } catch (EOFException e) {
            throw new DatasetException(archiveName + ": truncated tar archive", e);
        }
    }

    private static void checkChecksum(byte[] h, String archiveName) {
        long stored = number(h, 148, 8, archiveName);
        long unsigned = 0;
        long signed = 0;
        for (int i = 0; i < BLOCK; i++) {
            int b = (i >= 148 && i < 156) ? ' ' : h[i];
            unsigned += b & 0xFF;
            signed += b;
        }
        if (stored != unsigned && stored != signed) {
            throw new DatasetException(archiveName + ": corrupt tar header (checksum " + stored + ", computed "
                    + unsigned + ")");
        }
    }

    /** Octal, NUL/space terminated, or GNU base-256 when the top bit of the first byte is set. */
    private static long number(byte[] h, int off, int len, String archiveName) {
        if ((h[off] & 0x80) != 0) {
            long v = h[off] & 0x7F;
            for (int i = 1; i < len; i++) {
                v = (v << 8) | (h[off + i] & 0xFF);
            }
            return v;
        }
        long v = 0;
        boolean any = false;
        for (int i = off; i < off + len; i++) {
            int c = h[i];
            if (c == 0 || (c == ' ' && any)) {
                break;
            }
            if (c == ' ') {
                continue;
            }
            if (c < '0' || c > '7') {
                throw new DatasetException(archiveName + ": corrupt tar header (bad number field)");
            }
            v = v * 8 + (c - '0');
            any = true;
        }
        return v;
    }

    private static String string(byte[] h, int off, int len) {
        int end = off;
        while (end < off + len && h[end] != 0) {
            end++;
        }
        return new String(h, off, end - off, StandardCharsets.UTF_8);
    }

    private static boolean allZero(byte[] h) {
        for (byte b : h) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }
}
