package dev.mgiad.engine.distributed;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A {@link Communicator} over the system MPI ({@link Mpi}). Every MPI call runs on one dedicated thread, the one
 * that initialised the library, which gives three things: MPI needs only {@code MPI_THREAD_FUNNELED}; collectives
 * queue in program order, so every rank issues them in the same order; and a collective can run while the caller
 * goes on (gradient buckets all-reduced while the backward pass still runs, PyTorch DDP's overlap).
 *
 * <p>Every wait has a watchdog: when the other ranks do not answer within the timeout (a rank died and the launcher
 * did not end the job, or a rank hangs), the wait throws an {@link MpiException} naming the collective, instead of
 * hanging for ever.
 */
public final class MpiCommunicator implements Communicator {
    private final ExecutorService thread;
    private final Mpi mpi;
    private final int rank, size;
    private final long timeoutNanos;
    private final Arena arena = Arena.ofShared();
    private MemorySegment doubles = MemorySegment.NULL; // scratch for sumInPlace, used on the MPI thread only
    private volatile boolean closed;

    private MpiCommunicator(ExecutorService thread, Mpi mpi, Duration timeout) {
        this.thread = thread;
        this.mpi = mpi;
        this.timeoutNanos = timeout.toNanos();
        this.rank = on("MPI_Comm_rank", mpi::rank);
        this.size = on("MPI_Comm_size", mpi::size);
    }

    /**
     * Initialises MPI on a new thread, with {@code timeout} as the watchdog of every collective and of {@code MPI_Init}
     * (at least {@link #MIN_INIT_TIMEOUT}: starting many ranks, or a loaded machine, takes longer than a collective).
     * Throws {@link MpiException} with a one-line message when the library is missing or fails to start.
     */
    public static MpiCommunicator start(Duration timeout) {
        return start(timeout.compareTo(MIN_INIT_TIMEOUT) < 0 ? MIN_INIT_TIMEOUT : timeout, timeout);
    }

    /** The least time {@link #start(Duration)} gives {@code MPI_Init}. */
    public static final Duration MIN_INIT_TIMEOUT = Duration.ofSeconds(60);

    /** As {@link #start(Duration)}, with separate watchdogs for {@code MPI_Init} and for the collectives. */
    public static MpiCommunicator start(Duration initTimeout, Duration timeout) {
        ExecutorService t = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().daemon().name("mpi").unstarted(r));
        Future<Mpi> loaded = t.submit(Mpi::load);
        try {
            Mpi mpi = loaded.get(initTimeout.toNanos(), TimeUnit.NANOSECONDS);
            return new MpiCommunicator(t, mpi, timeout);
        } catch (ExecutionException e) {
            t.shutdownNow();
            throw e.getCause() instanceof MpiException m ? m : new MpiException("MPI could not start: " + e.getCause());
        } catch (TimeoutException e) {
            throw new MpiException("MPI_Init did not return within " + initTimeout.toSeconds() + " s: is the launcher (mpirun, srun) reachable?");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MpiException("interrupted while starting MPI");
        }
    }

    @Override public int rank() { return rank; }

    @Override public int size() { return size; }

    @Override
    public Pending allReduceFloatsAsync(MemorySegment floats, int count) {
        Future<?> f = thread.submit(() -> mpi.allReduceFloats(floats, count));
        return () -> await(f, "MPI_Allreduce of " + count + " floats");
    }

    @Override
    public void sumInPlace(double[] values) {
        on("MPI_Allreduce of " + values.length + " doubles", () -> {
            long bytes = (long) values.length * Double.BYTES;
            if (doubles.byteSize() < bytes) doubles = arena.allocate(Math.max(bytes, 4096), 64);
            MemorySegment.copy(values, 0, doubles, ValueLayout.JAVA_DOUBLE, 0, values.length);
            mpi.allReduceDoubles(doubles, values.length);
            MemorySegment.copy(doubles, ValueLayout.JAVA_DOUBLE, 0, values, 0, values.length);
            return null;
        });
    }

    @Override
    public void broadcastFloats(MemorySegment floats, int count, int root) {
        on("MPI_Bcast of " + count + " floats", () -> {
            mpi.broadcastFloats(floats, count, root);
            return null;
        });
    }

    @Override
    public void barrier() {
        on("MPI_Barrier", () -> {
            mpi.barrier();
            return null;
        });
    }

    /**
     * Calls {@code MPI_Abort} from the calling thread (the MPI thread may be stuck in a collective whose peer is
     * gone); if the launcher has not ended this process within 10 s, it halts it.
     */
    @Override
    public void abort(int code) {
        Thread.ofPlatform().daemon().start(() -> {
            try {
                Thread.sleep(10_000);
            } catch (InterruptedException ignored) {
                // halt anyway
            }
            Runtime.getRuntime().halt(code);
        });
        System.out.flush();
        System.err.flush();
        mpi.abort(code);
        Runtime.getRuntime().halt(code);
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            on("MPI_Finalize", () -> {
                mpi.finish();
                return null;
            });
        } finally {
            thread.shutdown();
        }
    }

    private <T> T on(String what, Callable<T> call) {
        return await(thread.submit(call), what);
    }

    private <T> T await(Future<T> f, String what) {
        try {
            return f.get(timeoutNanos, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new MpiException(what + " got no answer from the other ranks within " + timeoutNanos / 1_000_000_000L
                    + " s: a rank has died or hangs");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof MpiException m ? m : new MpiException(what + " failed: " + e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MpiException("interrupted while waiting for " + what);
        }
    }
}
