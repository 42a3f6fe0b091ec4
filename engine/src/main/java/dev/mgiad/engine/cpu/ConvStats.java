package dev.mgiad.engine.cpu;

import dev.mgiad.engine.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Batch-norm statistics gathered in a convolution's epilogue, while the rows it has just written are in L1: per
 * output row and channel the count, mean and sum of squared deviations (M2) of the real lanes, kept in double. The
 * rows are then merged per channel with Chan's parallel formula in a fixed order, in two levels: the rows of each
 * batch block into the block's (count, mean, M2), then the blocks in order. So the statistics do not depend on how
 * the convolution split its work between threads, and repeat bit for bit. Unlike {@code E[x^2] - mean^2}, merging
 * (count, mean, M2) loses no precision when the mean is large against the spread. Batch norm without a convolution
 * before it ({@link #of}) computes the same rows, so fused and unfused batch norm agree bit for bit. The synchronised
 * batch norm of a data-parallel run gathers every rank's block statistics ({@link #blocks}) and merges them in the
 * same order with the same arithmetic ({@link #merge}), so P ranks whose shards are whole batch blocks get one
 * process's statistics bit for bit (the blocks of a rank are then the blocks of one process, in rank order).
 */
final class ConvStats extends RowEpilogue {
    private static final VectorSpecies<Float> S = CpuBackend.S;
    private static final int L = CpuBackend.L;

    private final int channels, rows, wo, realInLastBlock, nBlocks;
    /** [nb][channel][row] x {mean, M2}; the count of a row is known from the shape. */
    private final double[] part;

    ConvStats(int nBlocks, int channels, int rows, int wo, int realImages) {
        super(nBlocks, channels, rows);
        this.nBlocks = nBlocks;
        this.channels = channels;
        this.rows = rows;
        this.wo = wo;
        this.realInLastBlock = realImages - (nBlocks - 1) * L;
        this.part = new double[nBlocks * channels * rows * 2];
    }

    private int realLanes(int nb) { return nb == nBlocks - 1 ? realInLastBlock : L; }

    /** One output row of channel c, batch block nb, as the epilogue finishes it (base and alpha applied). */
    @Override
    void row(float[] out, long from, long to, int nb, int c, int y) {
        int real = realLanes(nb);
        double mean = rowSum(out, from, to) / ((double) wo * real); // padding lanes hold zeros: they add nothing
        double m2 = rowSquaredDeviations(out, from, to, (float) mean, real);
        int slot = ((nb * channels + c) * rows + y) * 2;
        part[slot] = mean;
        part[slot + 1] = m2;
    }

    private static double rowSum(float[] m, long from, long to) {
        FloatVector a = FloatVector.zero(S);
        for (long o = from; o < to; o += L) a = a.add(FloatVector.fromArray(S, m, (int) o));
        return Lanes.sum(a);
    }

    private static double rowSquaredDeviations(float[] m, long from, long to, float center, int real) {
        boolean full = real == L;
        VectorMask<Float> mask = S.indexInRange(0, real);
        FloatVector zero = FloatVector.zero(S), a = zero, cv = FloatVector.broadcast(S, center);
        for (long o = from; o < to; o += L) {
            FloatVector d = FloatVector.fromArray(S, m, (int) o).sub(cv);
            if (!full) d = zero.blend(d, mask);
            a = d.fma(d, a);
        }
        return Lanes.sum(a);
    }

    /** Mean and biased variance of channel c over all real images and positions: {@code {mean, var}}. */
    double[] meanAndVariance(int c) {
        double[] s = countMeanM2(c);
        return new double[]{s[1], Math.max(0, s[2] / s[0])};
    }

    /** Count, mean and sum of squared deviations of channel c, rows merged in order: {@code {n, mean, M2}}. */
    double[] countMeanM2(int c) {
        double[] acc = new double[3], block = new double[3];
        for (int nb = 0; nb < nBlocks; nb++) {
            block(nb, c, block);
            mergeInto(acc, block[0], block[1], block[2]);
        }
        return acc;
    }

    /** Batch block nb's (count, mean, M2) of channel c into {@code out}: its rows merged in order. */
    private void block(int nb, int c, double[] out) {
        double nr = (double) wo * realLanes(nb);
        out[0] = 0;
        out[1] = 0;
        out[2] = 0;
        for (int y = 0; y < rows; y++) {
            int slot = ((nb * channels + c) * rows + y) * 2;
            mergeInto(out, nr, part[slot], part[slot + 1]);
        }
    }

    /**
     * Every batch block's statistics, {@code [block][channel] x {count, mean, M2}}: what a rank of synchronised batch
     * norm contributes. Concatenated over ranks in rank order, they are the blocks of the global batch.
     */
    double[] blocks() {
        double[] out = new double[nBlocks * channels * 3], b = new double[3];
        for (int nb = 0; nb < nBlocks; nb++) {
            for (int c = 0; c < channels; c++) {
                block(nb, c, b);
                System.arraycopy(b, 0, out, (nb * channels + c) * 3, 3);
            }
        }
        return out;
    }

    /**
     * Channel c of {@code blocks} ({@code [block][channel] x {count, mean, M2}} over {@code channels} channels)
     * merged in block order: {@code {n, mean, M2}}, the same arithmetic as {@link #countMeanM2}.
     */
    static double[] merge(double[] blocks, int channels, int c) {
        double[] acc = new double[3];
        for (int o = c * 3; o < blocks.length; o += channels * 3) mergeInto(acc, blocks[o], blocks[o + 1], blocks[o + 2]);
        return acc;
    }

    /** Chan's parallel formula: {@code acc = {n, mean, M2}} merged with a part of count nb, mean mb, M2 m2b. */
    private static void mergeInto(double[] acc, double nb, double mb, double m2b) {
        double n = acc[0];
        if (n == 0) { // the first part as it is (the formula would round mb * nb / nb)
            acc[0] = nb;
            acc[1] = mb;
            acc[2] = m2b;
            return;
        }
        double total = n + nb, delta = mb - acc[1];
        acc[1] += delta * nb / total;
        acc[2] += m2b + delta * delta * n * nb / total;
        acc[0] = total;
    }

    /** The statistics of a whole tensor, row by row as a convolution's epilogue gathers them (threads own channels). */
    static ConvStats of(Tensor x, Parallel par) {
        ConvStats st = new ConvStats(x.batchBlocks(), x.c(), x.h(), x.w(), x.n());
        float[] m = CpuBackend.seg(x);
        long plane = (long) x.h() * x.w() * L;
        par.forRange(x.c(), (from, to, t) -> {
            for (int c = from; c < to; c++) {
                for (int nb = 0; nb < st.nBlocks; nb++) st.rows(m, plane, nb, c, 1, 0, x.h() * x.w(), x.w());
            }
        });
        return st;
    }
}
