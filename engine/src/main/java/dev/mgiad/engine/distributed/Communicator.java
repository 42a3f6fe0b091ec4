package dev.mgiad.engine.distributed;

import dev.mgiad.engine.backend.CrossRankSum;

import java.lang.foreign.MemorySegment;

/**
 * The collectives a data-parallel run needs, over the ranks of one job. Collectives are matched by order: every rank
 * must start the same collectives in the same order, which the training loop guarantees because every rank runs the
 * same tape over the same number of steps.
 */
public interface Communicator extends CrossRankSum, AutoCloseable {

    int rank();

    int size();

    default boolean isRoot() { return rank() == 0; }

    /** A started collective; {@link #await()} returns once it completed on this rank. */
    interface Pending {
        void await();
    }

    /**
     * Starts an in-place sum over ranks of {@code count} floats in native memory and returns at once; the buffer
     * must not be touched until {@link Pending#await()} returned.
     */
    Pending allReduceFloatsAsync(MemorySegment floats, int count);

    default void allReduceFloats(MemorySegment floats, int count) { allReduceFloatsAsync(floats, count).await(); }

    /** In-place sum over ranks of a few doubles (statistics, metrics); blocks. */
    @Override
    void sumInPlace(double[] values);

    /** Copies {@code count} floats in native memory from rank {@code root} to every rank; blocks. */
    void broadcastFloats(MemorySegment floats, int count, int root);

    /** Waits until every rank got here. */
    void barrier();

    /** Ends every rank of the job with the exit code; does not return. */
    void abort(int code);

    /** Finalises MPI after the last collective. */
    @Override
    void close();
}
