package dev.mgiad.engine.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed team of threads for the kernels. {@link #forRange} cuts {@code [0, n)} into contiguous grains that the
 * threads claim in order from a shared counter, the caller included; it returns when every grain is done. A
 * training step calls it thousands of times, so the workers spin briefly between calls before parking (a fork-join
 * submission costs tens of microseconds each time).
 *
 * <p>Why grains claimed on demand rather than one fixed chunk per thread: these machines are virtual and shared,
 * and the host takes a vCPU away for milliseconds at a time (a register-only FMA loop on 2 threads measured
 * 188-400 GFLOP/s in 50 ms windows, `docs/results/bench/session8/harness/HostNoise.java`). With fixed chunks every
 * call then waits for the thread that lost its CPU; with grains the thread that runs takes over the grains nobody
 * has claimed, and a call waits at most for the grain in flight. Kernels do not depend on how the range is cut:
 * each item's result is computed from that item alone, in a fixed order (see {@link ConvStats}), so results repeat
 * bit for bit whichever thread runs which grain.
 */
public final class Parallel implements AutoCloseable {

    /** Body of a parallel loop over the item range {@code [from, to)}, run by thread {@code thread}. */
    @FunctionalInterface
    public interface RangeBody { void run(int from, int to, int thread); }

    private static final long SPIN_NANOS = 50_000;

    /** Grains per thread by default: enough for a thread that keeps its CPU to take over the other's share. */
    static final int GRAINS_PER_THREAD = 4;

    /** One call of {@link #forRange}: its grains and counters, so that a worker that wakes late finds nothing left. */
    private static final class Job {
        final RangeBody body;
        final int n, grains;
        final AtomicInteger next = new AtomicInteger(), done = new AtomicInteger();
        final Thread caller;
        volatile Throwable failure;

        Job(RangeBody body, int n, int grains, Thread caller) {
            this.body = body;
            this.n = n;
            this.grains = grains;
            this.caller = caller;
        }

        /** Claims and runs grains until none is left; returns after the last one this thread ran. */
        void work(int thread) {
            for (int g; (g = next.getAndIncrement()) < grains; ) {
                try {
                    if (failure == null) body.run((int) ((long) n * g / grains), (int) ((long) n * (g + 1) / grains), thread);
                } catch (Throwable e) {
                    failure = e;
                }
                if (done.incrementAndGet() == grains) LockSupport.unpark(caller);
            }
        }
    }

    private final int threads;
    private final Thread[] workers;
    private volatile Job job;
    private volatile boolean closed;

    public Parallel(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            int id = i + 1;
            workers[i] = Thread.ofPlatform().daemon().name("mgiad-kernel-" + id).start(() -> workerLoop(id));
        }
    }

    public int threads() { return threads; }

    /** Runs {@code body} over {@code [0, n)} in up to {@link #GRAINS_PER_THREAD} grains per thread. */
    public void forRange(int n, RangeBody body) { forRange(n, GRAINS_PER_THREAD * threads, body); }

    /**
     * Runs {@code body} over {@code [0, n)} cut into {@code min(n, grains)} contiguous grains of near-equal size,
     * each run once by whichever thread claims it; returns when all are done. A kernel whose items share data that
     * one thread should keep in cache asks for one grain per thread ({@code grains = threads()}).
     */
    public void forRange(int n, int grains, RangeBody body) {
        if (n <= 0) return;
        int g = Math.max(1, Math.min(n, grains));
        if (threads == 1 || g == 1) {
            body.run(0, n, 0);
            return;
        }
        synchronized (this) {
            Job j = new Job(body, n, g, Thread.currentThread());
            job = j;
            for (Thread w : workers) LockSupport.unpark(w);
            j.work(0);
            long start = System.nanoTime();
            while (j.done.get() < j.grains) {
                if (System.nanoTime() - start < SPIN_NANOS) Thread.onSpinWait();
                else LockSupport.parkNanos(10_000);
            }
            Throwable f = j.failure;
            if (f instanceof RuntimeException re) throw re;
            if (f instanceof Error er) throw er;
            if (f != null) throw new RuntimeException(f);
        }
    }

    private void workerLoop(int id) {
        Job seen = null;
        while (!closed) {
            long start = System.nanoTime();
            Job j;
            while ((j = job) == seen && !closed) {
                if (System.nanoTime() - start < SPIN_NANOS) Thread.onSpinWait();
                else LockSupport.park(this);
            }
            if (closed) return;
            seen = j;
            j.work(id);
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) LockSupport.unpark(w);
    }
}
