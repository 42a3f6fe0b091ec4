package dev.mgiad.train;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Writes files so that a crash at any moment leaves either the old file or the new one, never a torn one: the
 * content goes to a temporary file in the same directory, is forced to disk, and is then renamed over the target
 * (an atomic replace on POSIX file systems).
 */
public final class AtomicFiles {
    private AtomicFiles() { }

    @FunctionalInterface
    public interface Writer { void write(OutputStream out) throws IOException; }

    /**
     * Writes {@code target} through {@code writer}. A failure of the file system (a full disk, a read-only folder)
     * is an IOException that names the target, since the JDK's own message ("No space left on device") does not.
     */
    public static void write(Path target, Writer writer) throws IOException {
        try {
            writeUnnamed(target, writer);
        } catch (java.nio.file.FileSystemException e) {
            throw e; // names its file already
        } catch (IOException e) {
            throw new IOException("cannot write " + target + ": " + e.getMessage(), e);
        }
    }

    private static void writeUnnamed(Path target, Writer writer) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
                 OutputStream out = new java.io.BufferedOutputStream(java.nio.channels.Channels.newOutputStream(ch), 1 << 20)) {
                writer.write(out);
                out.flush();
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    public static void writeString(Path target, String text) throws IOException {
        write(target, out -> out.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }
}
