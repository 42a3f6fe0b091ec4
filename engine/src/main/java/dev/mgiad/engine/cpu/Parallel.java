package dev.mgiad.engine.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed team of threads for the kernels: {@link #forRange} splits {@code [0, n)} into one contiguous chunk per
 * thread and runs chunk 0 on the caller. A training step calls it thousands of times, so the workers spin briefly
 * between calls before parking (a fork-join submission costs tens of microseconds each time).
 */
public final class Parallel implements AutoCloseable {

    /** Body of a parallel loop over the item range {@code [from, to)}, run by thread {@code thread}. */
    @FunctionalInterface
    public interface RangeBody { void run(int from, int to, int thread); }

    private static final long SPIN_NANOS = 50_000;

    private final int threads;
    private final Thread[] workers;
    private volatile RangeBody body;
    private volatile int items;
    private volatile long generation;
    private volatile boolean closed;
    private final AtomicInteger pending = new AtomicInteger();
    private volatile Throwable failure;
    private volatile Thread caller;

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

    /** Runs {@code body} over {@code [0, n)} split into {@code min(n, threads)} contiguous chunks; returns when all are done. */
    public void forRange(int n, RangeBody body) {
        if (n <= 0) return;
        int t = Math.min(n, threads);
        if (t == 1) {
            body.run(0, n, 0);
            return;
        }
        synchronized (this) {
            this.body = body;
            this.items = n;
            this.failure = null;
            this.caller = Thread.currentThread();
            pending.set(threads - 1);
            generation++;
            for (Thread w : workers) LockSupport.unpark(w);
            try {
                runChunk(body, n, 0);
            } catch (Throwable e) {
                failure = e;
            }
            long start = System.nanoTime();
            while (pending.get() > 0) {
                if (System.nanoTime() - start < SPIN_NANOS) Thread.onSpinWait();
                else LockSupport.parkNanos(10_000);
            }
            this.body = null;
            Throwable f = failure;
            if (f instanceof RuntimeException re) throw re;
            if (f instanceof Error er) throw er;
            if (f != null) throw new RuntimeException(f);
        }
    }

    private void runChunk(RangeBody b, int n, int id) {
        int t = Math.min(n, threads);
        if (id >= t) return;
        int from = (int) ((long) n * id / t);
        int to = (int) ((long) n * (id + 1) / t);
        b.run(from, to, id);
    }

    private void workerLoop(int id) {
        long seen = 0;
        while (!closed) {
            long start = System.nanoTime();
            while (generation == seen && !closed) {
                if (System.nanoTime() - start < SPIN_NANOS) Thread.onSpinWait();
                else LockSupport.park(this);
            }
            if (closed) return;
            seen = generation;
            try {
                runChunk(body, items, id);
            } catch (Throwable e) {
                failure = e;
            }
            if (pending.decrementAndGet() == 0) LockSupport.unpark(caller);
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) LockSupport.unpark(w);
    }
}
