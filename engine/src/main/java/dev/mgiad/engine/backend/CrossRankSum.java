package dev.mgiad.engine.backend;

/**
 * Sums a few numbers over every process (rank) of a data-parallel run, in place: after the call each rank holds the
 * same totals. Synchronised batch norm uses it for the per-channel statistics of the whole global batch, so that P
 * ranks compute what one process computes on all P shards.
 */
@FunctionalInterface
public interface CrossRankSum {
    void sumInPlace(double[] values);
}
