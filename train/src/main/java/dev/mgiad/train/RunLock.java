package dev.mgiad.train;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * One writer per run folder: an exclusive OS lock on {@code DIR/.lock}, held for as long as a run trains in DIR.
 * The operating system releases it when the process ends in any way ({@code kill -9} included), so a crashed run
 * never leaves its folder stuck; the file itself stays (removing it would race with the next writer) and holds
 * the holder's pid and start time for the message a second writer gets.
 */
public final class RunLock implements AutoCloseable {
    public static final String FILE = ".lock";

    private final FileChannel channel;
    private final FileLock lock;

    private RunLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes the lock of {@code dir} (creating the folder), or fails at once naming the process that holds it. */
    public static RunLock acquire(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve(FILE);
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock l;
        try {
            l = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            l = null; // held by this very process (another run object on the same folder)
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        if (l == null) {
            String holder;
            try {
                holder = Files.readString(file, StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                holder = "";
            } finally {
                ch.close();
            }
            throw new RunException(dir + " is in use by another training process" + (holder.isEmpty() ? "" : " (" + holder + ")")
                    + "; wait for it to finish, or train into another --out");
        }
        String me = "pid " + ProcessHandle.current().pid() + ", started " + Instant.ofEpochMilli(
                ManagementFactory.getRuntimeMXBean().getStartTime()) + "\n";
        ch.truncate(0);
        ch.write(ByteBuffer.wrap(me.getBytes(StandardCharsets.UTF_8)), 0);
        return new RunLock(ch, l);
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
