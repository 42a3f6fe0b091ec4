package dev.mgiad.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One writer per run folder, and a crashed writer leaves nothing stuck. */
class RunLockTest {

    /** Holds the lock of args[0] until killed. */
    public static final class Holder {
        public static void main(String[] args) throws Exception {
            RunLock lock = RunLock.acquire(Path.of(args[0]));
            System.out.println("locked");
            System.out.flush();
            Thread.sleep(60_000);
            lock.close();
        }
    }

    @Test
    void aSecondWriterInTheSameProcessIsRefused(@TempDir Path dir) throws Exception {
        try (RunLock first = RunLock.acquire(dir)) {
            var e = assertThrows(RunException.class, () -> RunLock.acquire(dir));
            assertTrue(e.getMessage().contains("is in use by another training process"), e.getMessage());
        }
        RunLock.acquire(dir).close(); // released by close
    }

    @Test
    void anotherProcessIsRefusedUntilItDiesEvenByKill9(@TempDir Path dir) throws Exception {
        Process p = ChildJvm.start(List.of("-Xmx64m"), Holder.class, dir.toString());
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream()));
            assertEquals("locked", out.readLine(), "the child did not take the lock");
            var e = assertThrows(RunException.class, () -> RunLock.acquire(dir));
            assertTrue(e.getMessage().contains("in use by another training process (pid " + p.pid()), e.getMessage());
        } finally {
            p.destroyForcibly(); // SIGKILL: no shutdown hook, no close()
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        }
        RunLock.acquire(dir).close(); // the OS released it with the process
    }
}
