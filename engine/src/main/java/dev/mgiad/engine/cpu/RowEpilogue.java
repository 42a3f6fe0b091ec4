package dev.mgiad.engine.cpu;

/**
 * Work a convolution's epilogue does on output rows it has just finished (base and alpha applied, the rows still in
 * L1): batch-norm statistics ({@link ConvStats}) and the gradient epilogues of
 * {@link dev.mgiad.engine.backend.GradientEpilogue}. Rows are counted, so a caller
 * can tell whether the kernel reported every row and otherwise run the work as a pass of its own.
 */
abstract class RowEpilogue {
    private final int channels, rows;
    /** [nb][channel][row]: whether the epilogue reported that row. */
    private final boolean[] seen;

    RowEpilogue(int nBlocks, int channels, int rows) {
        this.channels = channels;
        this.rows = rows;
        this.seen = new boolean[nBlocks * channels * rows];
    }

    /**
     * Rows of positions {@code p0 .. p1} (whole rows of {@code wo} positions) of channels {@code c0 .. c0+count} of
     * batch block nb of {@code out}, {@code plane} floats per channel plane.
     */
    final void rows(float[] out, long plane, int nb, int c0, int count, int p0, int p1, int wo) {
        for (int y = p0 / wo, yEnd = p1 / wo; y < yEnd; y++) {
            for (int c = c0; c < c0 + count; c++) {
                long from = ((long) nb * channels + c) * plane + (long) y * wo * CpuBackend.L;
                row(out, from, from + (long) wo * CpuBackend.L, nb, c, y);
                seen[(nb * channels + c) * rows + y] = true;
            }
        }
    }

    /** One row {@code [from, to)} of channel c, batch block nb, image row y. */
    abstract void row(float[] out, long from, long to, int nb, int c, int y);

    /** Whether every row of every channel and batch block was reported. */
    final boolean complete() {
        for (boolean b : seen) if (!b) return false;
        return true;
    }
}
