package dev.mgiad.engine.distributed;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;

/**
 * Run under {@code mpirun -np P}: checks every collective of {@link MpiCommunicator} against the values each rank
 * can compute alone, and prints {@code ok rank R of P} or one {@code FAIL} line. With an argument it plays a fault
 * instead: {@code abort} (rank 1 aborts while rank 0 waits in an all-reduce), {@code hang} (after a barrier, rank 1
 * never joins the next all-reduce and rank 0's watchdog, set to 2 s for collectives, must end the job; MPI_Init keeps
 * its own 60 s watchdog, so a slow start on a loaded machine is not mistaken for a hang).
 */
public final class MpiSelfTest {
    public static void main(String[] args) {
        String mode = args.length > 0 ? args[0] : "collectives";
        MpiCommunicator comm = MpiCommunicator.start(Duration.ofSeconds(60), Duration.ofSeconds(mode.equals("hang") ? 2 : 60));
        int r = comm.rank(), p = comm.size();
        try (Arena arena = Arena.ofShared()) {
            switch (mode) {
                case "abort" -> {
                    if (r == 1) {
                        System.err.println("rank 1: failing on purpose");
                        comm.abort(3);
                    }
                    comm.allReduceFloats(arena.allocate(4L * 16), 16);
                    System.out.println("UNREACHABLE rank " + r);
                }
                case "hang" -> {
                    comm.barrier(); // both ranks are up: what follows is a peer that stops answering
                    if (r == 1) {
                        try {
                            Thread.sleep(120_000);
                        } catch (InterruptedException ignored) {
                            // ended by the launcher
                        }
                    }
                    long t0 = System.nanoTime();
                    try {
                        comm.allReduceFloats(arena.allocate(4L * 16), 16);
                    } catch (MpiException e) {
                        System.err.printf(java.util.Locale.ROOT, "rank %d: %s (after %.1f s)%n", r, e.getMessage(), (System.nanoTime() - t0) / 1e9);
                        comm.abort(4);
                    }
                    System.out.println("UNREACHABLE rank " + r);
                }
                default -> collectives(comm, arena, r, p);
            }
        }
        comm.close();
    }

    private static void collectives(MpiCommunicator comm, Arena arena, int r, int p) {
        int n = 100_003; // odd, larger than an eager message
        MemorySegment a = arena.allocate(4L * n), b = arena.allocate(4L * n);
        for (int i = 0; i < n; i++) {
            a.setAtIndex(ValueLayout.JAVA_FLOAT, i, r + 1 + i % 7);
            b.setAtIndex(ValueLayout.JAVA_FLOAT, i, (r + 1) * 0.5f);
        }
        // two overlapping asynchronous all-reduces, awaited in reverse order
        Communicator.Pending pa = comm.allReduceFloatsAsync(a, n), pb = comm.allReduceFloatsAsync(b, n);
        pb.await();
        pa.await();
        float ranks = p * (p + 1) / 2f;
        for (int i = 0; i < n; i++) {
            float wantA = ranks + p * (i % 7), wantB = ranks * 0.5f;
            if (a.getAtIndex(ValueLayout.JAVA_FLOAT, i) != wantA || b.getAtIndex(ValueLayout.JAVA_FLOAT, i) != wantB) {
                fail(r, "all-reduce element " + i + ": " + a.getAtIndex(ValueLayout.JAVA_FLOAT, i) + ", "
                        + b.getAtIndex(ValueLayout.JAVA_FLOAT, i) + " expected " + wantA + ", " + wantB);
            }
        }
        double[] d = {r, 1e-300 * (r + 1), 0.1};
        comm.sumInPlace(d);
        if (d[0] != p * (p - 1) / 2.0 || Math.abs(d[1] - 1e-300 * ranks) > 1e-310 || Math.abs(d[2] - 0.1 * p) > 1e-15) {
            fail(r, "double sum " + java.util.Arrays.toString(d));
        }
        MemorySegment c = arena.allocate(4L * 5);
        for (int i = 0; i < 5; i++) c.setAtIndex(ValueLayout.JAVA_FLOAT, i, r == p - 1 ? 10 + i : -1);
        comm.broadcastFloats(c, 5, p - 1);
        for (int i = 0; i < 5; i++) {
            if (c.getAtIndex(ValueLayout.JAVA_FLOAT, i) != 10 + i) fail(r, "broadcast element " + i + ": " + c.getAtIndex(ValueLayout.JAVA_FLOAT, i));
        }
        comm.barrier();
        System.out.println("ok rank " + r + " of " + p);
    }

    private static void fail(int r, String msg) {
        System.out.println("FAIL rank " + r + ": " + msg);
        System.exit(1);
    }
}
