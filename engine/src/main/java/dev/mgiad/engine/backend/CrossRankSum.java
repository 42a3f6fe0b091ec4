package dev.mgiad.engine.backend;

/**
 * Sums a few numbers over every process (rank) of a data-parallel run, in place: after the call each rank holds the
 * same totals. Synchronised batch norm uses it to gather the per-block statistics of the whole global batch, so that P
 * ranks compute what one process computes on all P shards.
 */
public interface CrossRankSum {
    /** This process's rank, 0 to {@link #size()} - 1. */
    int rank();

    /** Number of ranks. */
    int size();

    void sumInPlace(double[] values);

    /**
     * Every rank's {@code mine} concatenated in rank order (ranks may contribute different lengths), on every rank.
     * Exact: each element of the result is a sum whose other terms are zeros, so it arrives unrounded (only the sign
     * of a zero may change). Two sums: the lengths, then the values.
     */
    default double[] gather(double[] mine) {
        int p = size(), me = rank();
        double[] lengths = new double[p];
        lengths[me] = mine.length;
        sumInPlace(lengths);
        int offset = 0, total = 0;
        for (int r = 0; r < p; r++) {
            if (r < me) offset += (int) lengths[r];
            total += (int) lengths[r];
        }
        double[] all = new double[total];
        System.arraycopy(mine, 0, all, offset, mine.length);
        sumInPlace(all);
        return all;
    }
}
